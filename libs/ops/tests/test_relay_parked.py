"""Operators see the keys a relay parked and release them."""

import io
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaProducer

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.opportunity import FieldValueSet
from portalflow_eventing import parking, store
from portalflow_eventing.migrations import migrate
from portalflow_eventing.relay import Relay
from portalflow_ops import cli
from portalflow_ops.console import Output


async def ops(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return await cli.run(list(argv), Output(out, err)), out.getvalue(), err.getvalue()


async def test_a_parked_key_is_listed_set_aside_and_its_key_goes_on(stack, database):
    pool = await asyncpg.create_pool(database, min_size=1, max_size=4)
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, max_request_size=20_000)
    await producer.start()
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        stream_id = f"opp-{uuid4()}"
        events = [Envelope.wrap(FieldValueSet(opportunity_id=stream_id, field_id="notes",
                                              value="x" * size),
                                source="test", subject=stream_id, org_id="org",
                                correlation_id="c") for size in (30_000, 10)]
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, stream_id, events, expected_version=None)
        relay = Relay(pool, producer, name="config-service")
        await relay.publish_pending()

        status, out, _ = await ops("relay", "parked", "--database-url", database)
        assert status == 0 and events[0].id in out and stream_id in out

        status, _, err = await ops("relay", "retry", str(uuid4()), "--database-url", database)
        assert status == 1 and "no key is parked at event" in err

        status, out, _ = await ops("relay", "set-aside", events[0].id, "--reason", "too large",
                                   "--database-url", database)
        assert status == 0 and "set aside" in out
        relay.restart()
        await relay.publish_pending()
        assert await parking.parked(pool, None) == []
    finally:
        await producer.stop()
        await pool.close()
