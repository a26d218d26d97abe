"""FastAPI dependencies of the customer API."""

import re
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


# RFC 9110 §12.5.4 and §12.4.2: a language range, then optionally a weight of 0 to 1.
_LANGUAGE = re.compile(r"(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)"
                       r"(?:[ \t]*;[ \t]*[qQ]=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?")


def accepted_locales(accept_language: str | None) -> list[str]:
    """Languages of an Accept-Language header, best first (`es-ES` also offers `es`); 400 for
    a header that does not follow RFC 9110."""
    if not accept_language:
        return []
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        if not part.strip():
            continue  # the list syntax allows empty elements
        if (matched := _LANGUAGE.fullmatch(part.strip())) is None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, (
                f"Accept-Language: {part.strip()!r:.40} is not a language range with an "
                "optional weight from 0 to 1 of at most three decimals, like `es-ES;q=0.8`"))
        tag, quality = matched.group(1), float(matched.group(2) or 1)
        if quality > 0:  # q=0 means "not acceptable"
            ranked.append((-quality, position, tag))
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
