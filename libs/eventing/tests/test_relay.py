"""The relay publishes every committed event once, in commit order, with concurrent writers."""

import asyncio
import random
from uuid import uuid4

import asyncpg
import pytest

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_devstack.testing import read_back, until
from portalflow_eventing import store
from portalflow_eventing.relay import Relay
from portalflow_eventing.store import ConcurrencyError


async def drain(relay: Relay) -> None:
    while await relay.publish_pending():
        pass


async def test_an_append_committing_after_a_later_position_is_not_skipped(
        pool, producer, stack, offer_issued):
    first, second = f"opp-{uuid4()}", f"opp-{uuid4()}"
    relay = Relay(pool, producer, name=f"relay-{uuid4()}")
    async with pool.acquire() as slow:
        transaction = slow.transaction()
        await transaction.start()
        await store.append(slow, first, [offer_issued(first)], expected_version=0)

        async def append_second() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, second, [offer_issued(second)], expected_version=0)

        racing = asyncio.create_task(append_second())

        async def blocked_or_done() -> bool:
            waiting = await pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return racing.done() or waiting > 0

        await until(blocked_or_done)
        await drain(relay)  # publishes whatever is visible now
        await transaction.commit()
    await racing
    await drain(relay)

    published = await read_back(stack.kafka_bootstrap, OPPORTUNITIES, {first, second}, 2,
                                timeout=10)
    assert sorted(e.subject for e in published) == sorted([first, second])


async def test_concurrent_writers_lose_nothing_and_keep_each_stream_in_order(
        pool, producer, stack, offer_issued):
    streams = [f"opp-{uuid4()}" for _ in range(8)]
    per_stream = 15
    relay = Relay(pool, producer, name=f"relay-{uuid4()}", batch_size=7, idle_poll_seconds=0.05)
    relaying = asyncio.create_task(relay.run())

    async def write(stream_id: str) -> None:
        for n in range(1, per_stream + 1):
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, stream_id, [offer_issued(stream_id, n)], n - 1)
                await asyncio.sleep(random.uniform(0, 0.003))  # hold the transaction open

    try:
        await asyncio.gather(*(write(s) for s in streams))
        published = await read_back(stack.kafka_bootstrap, OPPORTUNITIES, set(streams),
                                    len(streams) * per_stream)
    finally:
        relaying.cancel()
    assert len(published) == len(streams) * per_stream
    for stream_id in streams:
        offers = [e.data["offer_id"] for e in published if e.subject == stream_id]
        assert offers == [f"offer-{n}" for n in range(1, per_stream + 1)]


async def test_a_writer_that_lost_the_race_gets_a_conflict(pool, offer_issued):
    stream_id = f"opp-{uuid4()}"
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, stream_id, [offer_issued(stream_id)], expected_version=0)
    with pytest.raises(ConcurrencyError):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, stream_id, [offer_issued(stream_id, 2)], expected_version=0)
    async with pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT max(version) FROM events WHERE stream_id = $1", stream_id) == 1


async def test_a_writer_that_waited_for_the_lock_behind_its_stream_gets_a_conflict(
        pool, offer_issued):
    """The append reads the stream before the lock is its: one that commits meanwhile takes
    the version it wants, and that is a lost race, whatever version it expected."""
    stream_id = f"opp-{uuid4()}"
    async with pool.acquire() as first:
        transaction = first.transaction()
        await transaction.start()
        await store.append(first, stream_id, [offer_issued(stream_id)], expected_version=0)

        async def append_behind(expected: int | None) -> None:
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, stream_id, [offer_issued(stream_id, 2)], expected)

        racing = [asyncio.create_task(append_behind(expected)) for expected in (0, None)]

        async def both_waiting() -> bool:
            return await pool.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted") >= 2

        await until(both_waiting)
        await transaction.commit()
    for outcome in await asyncio.gather(*racing, return_exceptions=True):
        assert isinstance(outcome, ConcurrencyError), outcome
    async with pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT max(version) FROM events WHERE stream_id = $1", stream_id) == 1


async def test_appending_at_known_versions_keeps_order_and_overwrites_nothing(
        pool, offer_issued):
    """Several streams in one statement; a version that is taken fails it all."""
    first, second = f"opp-{uuid4()}", f"opp-{uuid4()}"
    batch = [(1, offer_issued(first)), (1, offer_issued(second)), (2, offer_issued(first, 2))]
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_for_append(conn)
        await store.append_at(conn, batch)
    async with pool.acquire() as conn:
        assert [e.envelope.id for e in await store.read_after(conn, 0, 10)
                if e.stream_id in (first, second)] == [e.id for _, e in batch]
        with pytest.raises(asyncpg.UniqueViolationError):
            async with conn.transaction():
                await store.lock_for_append(conn)
                await store.append_at(conn, [(3, offer_issued(first, 3)),
                                             (2, offer_issued(second, 2)),
                                             (1, offer_issued(second, 3))])
        assert [(e.stream_id, e.version) for e in await store.read_after(conn, 0, 10)
                if e.stream_id in (first, second)] == [(first, 1), (second, 1), (first, 2)]


async def test_the_append_lock_leaves_the_event_store_to_autovacuum(pool, offer_issued):
    """Autovacuum skips a table it cannot lock at once: under steady appends a table lock would
    keep the event store from ever being analyzed (as `ANALYZE (SKIP_LOCKED)` shows here)."""
    stream = f"opp-{uuid4()}"
    notices = []

    def note(_conn, message) -> None:
        notices.append(message.message)

    async with pool.acquire() as appender, pool.acquire() as vacuum:
        vacuum.add_log_listener(note)
        try:
            async with appender.transaction():
                await store.append(appender, stream, [offer_issued(stream)], expected_version=0)
                await vacuum.execute("ANALYZE (SKIP_LOCKED) events")
        finally:
            vacuum.remove_log_listener(note)
    assert not [n for n in notices if "skipping" in n], notices
