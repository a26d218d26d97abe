"""The event store's schema moves on without losing or repeating what a relay published."""

import json
from uuid import uuid4

import asyncpg

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_devstack.testing import read_back
from portalflow_eventing import store
from portalflow_eventing.migrations import SHARED, migrate
from portalflow_eventing.relay import Relay


async def test_a_relay_carries_on_from_its_checkpoint_of_before_the_lanes(
        database, producer, stack, offer_issued):
    published, pending, appended = (f"opp-{uuid4()}" for _ in range(3))
    relay_name = f"relay-{uuid4()}"
    conn = await asyncpg.connect(database)
    try:
        await conn.execute((SHARED / "001_events.sql").read_text())
        for stream_id in (published, pending):  # as the event store was before the lanes
            e = offer_issued(stream_id)
            position = await conn.fetchval(
                "INSERT INTO events (stream_id, version, event_id, type, topic, partition_key,"
                " source, org_id, data, correlation_id, recorded_at)"
                " VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING position",
                stream_id, e.id, e.type, e.topic, e.key, e.source, e.org_id, json.dumps(e.data),
                e.correlation_id, e.time)
            if stream_id == published:
                await conn.execute("INSERT INTO relay_checkpoints VALUES ($1, $2)",
                                   relay_name, position)
        await migrate(conn)
        async with conn.transaction():
            await store.append(conn, appended, [offer_issued(appended)], expected_version=0)
    finally:
        await conn.close()

    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        relay = Relay(pool, producer, name=relay_name)
        assert await relay.publish_pending() == 2
        assert await relay.publish_pending() == 0
    finally:
        await pool.close()
    found = await read_back(stack.kafka_bootstrap, OPPORTUNITIES, {pending, appended}, 2,
                            timeout=10)
    assert sorted(e.subject for e in found) == sorted([pending, appended])
