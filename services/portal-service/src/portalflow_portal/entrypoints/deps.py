"""FastAPI dependencies of the customer API."""

from typing import Annotated
from uuid import uuid4

import asyncpg
from asgi_correlation_id import correlation_id
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="The customer's portal access token.")


async def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def _token_required() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "a portal access token is required",
                         headers={"WWW-Authenticate": "Bearer"})


async def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None:
        raise _token_required()
    return credentials.credentials


def accepted_locales(accept_language: str | None) -> list[str]:
    """Languages of an Accept-Language header, best first (`es-ES` also offers `es`)."""
    if not accept_language:
        return []
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        ranked.append((-quality, position, tag.strip()))
    locales: list[str] = []
    for *_, tag in sorted(ranked):
        for candidate in (tag, tag.split("-")[0]):
            if candidate and candidate != "*" and candidate not in locales:
                locales.append(candidate)
    return locales


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header; 401 without one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _token_required()
    return token.strip()


async def _locales(accept_language: Annotated[str | None, Header()] = None) -> list[str]:
    return accepted_locales(accept_language)


async def _correlation_id() -> str:
    return correlation_id.get() or str(uuid4())


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
Token = Annotated[str, Depends(_token)]
Locales = Annotated[list[str], Depends(_locales)]
CorrelationId = Annotated[str, Depends(_correlation_id)]

# The parameters of a route on /v1/portal/opportunities/{opportunity_id} that reads them from
# the request itself (see `bearer_token` and `accepted_locales`), as FastAPI would document
# them: its parameter parsing costs more than the rest of a read from the view cache.
DOCUMENTED_PARAMETERS = {
    "security": [{_bearer.scheme_name: []}],
    "parameters": [
        {"in": "path", "name": "opportunity_id", "required": True,
         "schema": {"title": "Opportunity Id", "type": "string"}},
        *({"in": "header", "name": name, "required": False,
           "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": title}}
          for name, title in (("if-none-match", "If-None-Match"),
                              ("accept-language", "Accept-Language")))],
}
