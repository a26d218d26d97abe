"""Answers to requests sent with an Idempotency-Key: a retry gets the first answer again.

Keys are per opportunity. The answer is stored in the transaction that appends the customer
event, so either both commit or neither does; refusals change nothing and are not stored.
A key lives `ttl_seconds` (IDEMPOTENCY_KEY_TTL_SECONDS): older, it is new again. Expired keys
are deleted on lookup, all of that opportunity's at once, so an opportunity keeps no more
than a day's keys (by default) however long it lives.
"""

import json
from dataclasses import dataclass
from http import HTTPStatus

import asyncpg

from portalflow_portal.domain.errors import InvalidActionError

HEADER = "Idempotency-Key"


DEFAULT_TTL_SECONDS = 24 * 60 * 60

# One round trip: both parts see the same snapshot, so the SELECT filters by age as well.
_LOOKUP = """
WITH expired AS (
    DELETE FROM idempotency_keys
     WHERE opportunity_id = $1 AND created_at < now() - make_interval(secs => $3))
SELECT request_hash, body FROM idempotency_keys
 WHERE opportunity_id = $1 AND key = $2 AND created_at >= now() - make_interval(secs => $3)
"""


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    request_hash: str  # SHA-256 of method, path and body: what the key was first used for
    ttl_seconds: float = DEFAULT_TTL_SECONDS


async def replay(conn: asyncpg.Connection, opportunity_id: str,
                 key: IdempotencyKey) -> dict | None:
    """The first answer given to this key, None if it is new; refused if used for another request.

    The caller holds the opportunity's row lock, so a concurrent retry waits for the first
    request to commit and then finds its answer here.
    """
    row = await conn.fetchrow(_LOOKUP, opportunity_id, key.key, float(key.ttl_seconds))
    if row is None:
        return None
    if row["request_hash"] != key.request_hash:
        raise InvalidActionError((("header", HEADER), (
            f"{HEADER} {key.key!r} was already used for another request; send a new key "
            "for a new request, the same key only to retry the same one")))
    return json.loads(row["body"])


async def remember(conn: asyncpg.Connection, opportunity_id: str, key: IdempotencyKey,
                   body: dict, status_code: int = HTTPStatus.ACCEPTED) -> None:
    """Keep the answer given to the key, in the caller's transaction."""
    await conn.execute(
        "INSERT INTO idempotency_keys (opportunity_id, key, request_hash, status_code, body)"
        " VALUES ($1, $2, $3, $4, $5)",
        opportunity_id, key.key, key.request_hash, status_code, json.dumps(body))
