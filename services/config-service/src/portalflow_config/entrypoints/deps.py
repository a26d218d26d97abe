"""FastAPI dependencies: the pool, and the caller with the permission a route needs."""

from typing import Annotated
from uuid import uuid4

import asyncpg
from asgi_correlation_id import correlation_id
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from portalflow_config.application.unit_of_work import Caller
from portalflow_config.entrypoints import auth
from portalflow_config.entrypoints.authentication import CLAIMS
from portalflow_eventing.checked_input import MAX_INTEGER

_bearer = HTTPBearer(auto_error=False, description="Admin JWT with `org` and `permissions`.")


async def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def requires(permission: str):
    """A dependency that admits only tokens carrying `permission`.

    `AdminAuthentication` verified the token before the body was read; `_bearer` stays for the
    OpenAPI document's security scheme.
    """

    async def caller(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        claims = request.scope.get(CLAIMS)
        if claims is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if permission not in claims.get("permissions", []):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this action needs the permission {permission!r}")
        return Caller(org_id=claims["org"], actor=f"user:{claims['sub']}",
                      correlation_id=correlation_id.get() or str(uuid4()))

    return caller


async def _if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    if if_match is None:
        return None
    version = if_match.strip('W/"')
    if not (version.isascii() and version.isdigit() and len(version) <= 10) \
            or int(version) > MAX_INTEGER:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            'If-Match must be an ETag this API returned, like "3"')
    return int(version)


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
FlowEditor = Annotated[Caller, Depends(requires(auth.MODIFY_FLOWS))]
FlowReader = Annotated[Caller, Depends(requires(auth.READ_FLOWS))]
OpportunityWriter = Annotated[Caller, Depends(requires(auth.WRITE_OPPORTUNITIES))]
OpportunityReader = Annotated[Caller, Depends(requires(auth.READ_OPPORTUNITIES))]
IfMatch = Annotated[int | None, Depends(_if_match)]
