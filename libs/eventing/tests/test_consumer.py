"""The idempotent consumer: once per event, nothing half-applied, dead letters after retries."""

from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord

from portalflow_contracts.envelope import to_kafka
from portalflow_contracts.topics import dead_letter_topic
from portalflow_devstack.testing import read_back
from portalflow_eventing.consumer import IdempotentConsumer


@pytest.fixture
async def effects(pool):
    """A table the handlers under test write to."""
    await pool.execute("CREATE TABLE effects (event_id text, note text)")
    return pool


async def record_effect(conn, envelope) -> None:
    await conn.execute("INSERT INTO effects VALUES ($1, 'applied')", envelope.id)


def as_record(envelope, offset: int = 0) -> ConsumerRecord:
    headers, key, value = to_kafka(envelope)
    return ConsumerRecord(envelope.topic, 0, offset, 0, 0, key, value, None, len(key),
                          len(value), tuple(headers))


async def test_the_same_event_twice_has_one_effect(effects, producer, offer_issued):
    event = offer_issued(f"opp-{uuid4()}")
    consumer = IdempotentConsumer(effects, f"group-{uuid4()}", {event.type: record_effect},
                                  producer)

    assert await consumer.apply(event) is True
    assert await consumer.apply(event) is False
    assert await effects.fetchval("SELECT count(*) FROM effects") == 1


async def test_a_failing_handler_leaves_neither_effect_nor_processed_mark(
        effects, producer, offer_issued):
    async def half_then_fail(conn, envelope) -> None:
        await record_effect(conn, envelope)
        raise RuntimeError("boom")

    event = offer_issued(f"opp-{uuid4()}")
    consumer = IdempotentConsumer(effects, f"group-{uuid4()}", {event.type: half_then_fail},
                                  producer)
    with pytest.raises(RuntimeError):
        await consumer.apply(event)
    assert await effects.fetchval("SELECT count(*) FROM effects") == 0
    assert await effects.fetchval("SELECT count(*) FROM processed_events") == 0


async def test_a_poison_event_is_dead_lettered_after_the_retries(
        effects, producer, offer_issued, stack):
    attempts = []

    async def always_fail(conn, envelope) -> None:
        attempts.append(envelope.id)
        raise ValueError("cannot apply this")

    event = offer_issued(f"opp-{uuid4()}")
    group = f"group-{uuid4()}"
    consumer = IdempotentConsumer(effects, group, {event.type: always_fail}, producer,
                                  max_attempts=3, backoff_seconds=0.01)

    await consumer.consume(as_record(event, offset=41))

    assert len(attempts) == 3
    [dead] = await read_back(stack.kafka_bootstrap, dead_letter_topic(group), {event.subject}, 1,
                             timeout=10)
    assert dead.id == event.id and dead.data == event.data
