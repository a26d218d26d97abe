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


async def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a portal access token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


async def _locales(accept_language: Annotated[str | None, Header()] = None) -> list[str]:
    """Languages of Accept-Language, best first (`es-ES` also offers `es`)."""
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


async def _correlation_id() -> str:
    return correlation_id.get() or str(uuid4())


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
Token = Annotated[str, Depends(_token)]
Locales = Annotated[list[str], Depends(_locales)]
CorrelationId = Annotated[str, Depends(_correlation_id)]
