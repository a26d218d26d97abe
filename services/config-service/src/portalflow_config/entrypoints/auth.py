"""Bearer JWTs of the admin API: HS256, carrying the org and the caller's permissions."""

from datetime import UTC, datetime, timedelta

import jwt

MODIFY_FLOWS = "opportunity-states:modify"
READ_FLOWS = "opportunity-states:read"
WRITE_OPPORTUNITIES = "opportunities:write"
READ_OPPORTUNITIES = "opportunities:read"
ALL_PERMISSIONS = (MODIFY_FLOWS, READ_FLOWS, WRITE_OPPORTUNITIES, READ_OPPORTUNITIES)


class InvalidTokenError(Exception):
    pass


def mint(secret: str, audience: str, *, subject: str, org_id: str,
         permissions: list[str], ttl: timedelta = timedelta(hours=12)) -> str:
    """A signed token for `subject` acting in `org_id` with `permissions`."""
    now = datetime.now(UTC)
    claims = {"sub": subject, "org": org_id, "permissions": permissions, "aud": audience,
              "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(token: str, secret: str, audience: str) -> dict:
    """The claims of a valid token; InvalidTokenError otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=audience,
                            options={"require": ["sub", "org", "exp"]})
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    if not isinstance(claims.get("permissions", []), list):
        raise InvalidTokenError("the permissions claim must be a list")
    return claims
