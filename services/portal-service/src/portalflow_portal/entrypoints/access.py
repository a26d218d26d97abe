"""The customer's token at the edge: rate limited on every request, and checked against the
opportunity in the path before a request's body is read (the routes check it again in their
own query, so a read costs no extra round trip)."""

from starlette.types import ASGIApp, Receive, Scope, Send

from portalflow_eventing.problems import problem
from portalflow_eventing.ratelimit import RateLimit, too_many
from portalflow_portal.adapters import access

PREFIX = "/v1/portal/opportunities/"


def _token_required() -> ASGIApp:
    return problem(401, "a portal access token is required",
                   headers={"WWW-Authenticate": "Bearer"})


class CustomerAccess:
    """Rate limit per access token; for a request with a body, 401/404 before reading it."""

    def __init__(self, app: ASGIApp, rate_limit: str) -> None:
        self.app, self.rate_limit = app, RateLimit(rate_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await self.app(scope, receive, send)
        authorization, has_body = b"", False
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"content-length":
                has_body = value != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            if has_body:
                return await _token_required()(scope, receive, send)
            return await self.app(scope, receive, send)  # the route answers 401 itself
        if (wait := self.rate_limit.retry_after(token)) is not None:
            return await too_many(wait, "access token")(scope, receive, send)
        if has_body:
            opportunity_id = scope["path"][len(PREFIX):].partition("/")[0]
            pool = scope["app"].state.runtime.pool
            if "\x00" in opportunity_id or not await access.opens(pool, token, opportunity_id):
                return await problem(404, f"opportunity {opportunity_id} not found for this "
                                          "access token")(scope, receive, send)
        await self.app(scope, receive, send)
