"""Idempotency keys expire: past their TTL a key is new again, and expired rows are deleted."""

from uuid import uuid4

import asyncpg
import pytest

from portalflow_eventing.migrations import migrate
from portalflow_portal.adapters import idempotency
from portalflow_portal.adapters.idempotency import IdempotencyKey
from portalflow_portal.config import MIGRATIONS

DAY = 24 * 60 * 60


@pytest.fixture
async def conn(database):
    conn = await asyncpg.connect(database)
    await migrate(conn, *MIGRATIONS)
    yield conn
    await conn.close()


async def age(conn: asyncpg.Connection, opportunity_id: str, key: str, hours: float) -> None:
    await conn.execute("UPDATE idempotency_keys SET created_at = now() - make_interval("
                       "secs => $3) WHERE opportunity_id = $1 AND key = $2",
                       opportunity_id, key, hours * 3600)


async def keys(conn: asyncpg.Connection, opportunity_id: str) -> list[str]:
    return sorted(await conn.fetchval(
        "SELECT coalesce(array_agg(key), '{}') FROM idempotency_keys WHERE opportunity_id = $1",
        opportunity_id))


async def test_a_key_replays_within_its_ttl_and_is_new_and_gone_after_it(conn):
    opportunity_id = f"opp-{uuid4().hex[:8]}"
    first, other = IdempotencyKey("k-1", "h" * 64, DAY), IdempotencyKey("k-2", "g" * 64, DAY)
    for key in (first, other):
        await idempotency.remember(conn, opportunity_id, key, {"answer": key.key})
    await age(conn, opportunity_id, "k-1", 23)
    assert await idempotency.replay(conn, opportunity_id, first) == {"answer": "k-1"}

    await age(conn, opportunity_id, "k-1", 25)
    await age(conn, opportunity_id, "k-2", 30)
    assert await idempotency.replay(conn, opportunity_id, first) is None  # new again
    assert await keys(conn, opportunity_id) == []  # both expired rows deleted by the lookup
    await idempotency.remember(conn, opportunity_id, first, {"answer": "second"})
    assert await idempotency.replay(conn, opportunity_id, first) == {"answer": "second"}


async def test_the_ttl_is_the_keys_own(conn):
    opportunity_id = f"opp-{uuid4().hex[:8]}"
    short = IdempotencyKey("k", "h" * 64, 60)
    await idempotency.remember(conn, opportunity_id, short, {"answer": 1})
    await age(conn, opportunity_id, "k", 0.02)  # 72 s
    assert await idempotency.replay(conn, opportunity_id, IdempotencyKey("k", "h" * 64)) == {
        "answer": 1}  # within the default day
    assert await idempotency.replay(conn, opportunity_id, short) is None
