"""A consumer killed after its database commit but before its offset commit: no second effect."""

import subprocess
import sys
import textwrap
from uuid import uuid4

from portalflow_contracts.envelope import to_kafka
from portalflow_eventing import kafka

# Consumes one record of TOPIC in GROUP, applies it, then either dies at once (no offset
# commit: the kill lands between the two commits) or commits and prints the outcome.
CONSUMER = textwrap.dedent("""
    import asyncio, os, sys
    import asyncpg
    from aiokafka import AIOKafkaConsumer
    from portalflow_contracts.envelope import from_kafka
    from portalflow_eventing.consumer import IdempotentConsumer

    dsn, bootstrap, topic, group, event_type, mode = sys.argv[1:]

    async def record_effect(conn, envelope):
        await conn.execute("INSERT INTO effects VALUES ($1)", envelope.id)

    async def main():
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    session_timeout_ms=6000, heartbeat_interval_ms=2000)
        await consumer.start()
        record = await consumer.getone()
        applied = await IdempotentConsumer(pool, group, {event_type: record_effect},
                                           None).apply(from_kafka(record.headers, record.value))
        if mode == "die":
            os._exit(9)
        await consumer.commit()
        print("applied" if applied else "duplicate", flush=True)
        await consumer.stop()
        await pool.close()

    asyncio.run(main())
""")


async def test_a_redelivery_after_a_crash_has_no_second_effect(
        database, pool, producer, stack, offer_issued):
    await pool.execute("CREATE TABLE effects (event_id text)")
    topic, group = f"test.crash.{uuid4().hex[:8]}", f"group-{uuid4().hex[:8]}"
    await kafka.ensure_topics(stack.kafka_bootstrap, {topic: 1})
    event = offer_issued(f"opp-{uuid4()}")
    headers, key, value = to_kafka(event)
    await producer.send_and_wait(topic, value, key, headers=headers)
    args = [sys.executable, "-c", CONSUMER, database, stack.kafka_bootstrap, topic, group,
            event.type]

    crashed = subprocess.run([*args, "die"], capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 9, crashed.stderr
    again = subprocess.run([*args, "commit"], capture_output=True, text=True, timeout=60)

    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "duplicate"  # redelivered, recognised, not applied
    assert await pool.fetchval("SELECT count(*) FROM effects") == 1
