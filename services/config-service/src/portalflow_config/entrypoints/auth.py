"""Bearer JWTs of the admin API: HS256, carrying the org and the caller's permissions."""

from datetime import UTC, datetime, timedelta

import jwt

from portalflow_eventing.checked_input import UNSTORABLE

MODIFY_FLOWS = "opportunity-states:modify"
READ_FLOWS = "opportunity-states:read"
WRITE_OPPORTUNITIES = "opportunities:write"
READ_OPPORTUNITIES = "opportunities:read"
ALL_PERMISSIONS = (MODIFY_FLOWS, READ_FLOWS, WRITE_OPPORTUNITIES, READ_OPPORTUNITIES)


MAX_CLAIM_LENGTH = 255


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
    """The claims of a valid token; InvalidTokenError, naming the claim at fault, otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience=audience,
                            # `sub` is checked below, with `org`, by messages naming them
                            options={"require": ["sub", "org", "exp"], "verify_sub": False})
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    for claim in ("sub", "org"):
        if not _is_text(claims[claim]):
            raise InvalidTokenError(f"the {claim} claim must be a non-empty string of at most "
                                    f"{MAX_CLAIM_LENGTH} characters")
    permissions = claims.get("permissions", [])
    if not isinstance(permissions, list) or not all(_is_text(p) for p in permissions):
        raise InvalidTokenError("the permissions claim must be a list of non-empty strings")
    return claims


def _is_text(value: object) -> bool:
    return (isinstance(value, str) and value.strip() != "" and len(value) <= MAX_CLAIM_LENGTH
            and UNSTORABLE.search(value) is None)
