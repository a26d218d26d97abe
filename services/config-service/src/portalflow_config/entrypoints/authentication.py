"""The admin JWT verified before anything reads the request's body, and the rate limit per
admin subject; the routes' `requires` then only reads the verified claims."""

from starlette.types import ASGIApp, Receive, Scope, Send

from portalflow_config.entrypoints import auth
from portalflow_eventing.problems import problem
from portalflow_eventing.ratelimit import RateLimit, too_many

PROTECTED_PREFIX = "/v1/"
CLAIMS = "auth"  # the scope key Starlette's own authentication middleware uses


def unauthenticated(detail: str) -> ASGIApp:
    """401 telling the caller to bring a bearer token."""
    return problem(401, detail, headers={"WWW-Authenticate": "Bearer"})


class AdminAuthentication:
    """Every request under /v1/ carries a valid admin JWT, or is answered 401 unread."""

    def __init__(self, app: ASGIApp, secret: str, audience: str, rate_limit: str) -> None:
        self.app, self.secret, self.audience = app, secret, audience
        self.rate_limit = RateLimit(rate_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            return await self.app(scope, receive, send)
        authorization = next((value for name, value in scope["headers"]
                              if name == b"authorization"), b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return await unauthenticated("a bearer token is required")(scope, receive, send)
        try:
            claims = auth.verify(token.strip(), self.secret, self.audience)
        except auth.InvalidTokenError as error:
            return await unauthenticated(f"invalid token: {error}")(scope, receive, send)
        wait = self.rate_limit.retry_after(str(claims["org"]), str(claims["sub"]))
        if wait is not None:
            return await too_many(wait, "admin subject")(scope, receive, send)
        scope[CLAIMS] = claims
        await self.app(scope, receive, send)
