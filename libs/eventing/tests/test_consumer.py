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


async def test_a_batch_applies_each_event_once_even_when_it_holds_one_twice(
        effects, producer, offer_issued):
    first, second = offer_issued(f"opp-{uuid4()}"), offer_issued(f"opp-{uuid4()}")
    consumer = IdempotentConsumer(effects, f"group-{uuid4()}", {first.type: record_effect},
                                  producer)
    await consumer.consume_batch([as_record(first, 0), as_record(second, 1),
                                  as_record(first, 2)])
    await consumer.consume_batch([as_record(second, 1)])  # redelivered
    rows = await effects.fetch("SELECT event_id FROM effects ORDER BY event_id")
    assert sorted(r["event_id"] for r in rows) == sorted([first.id, second.id])


async def test_a_poison_event_in_a_batch_holds_back_neither_the_others_nor_the_partition(
        effects, producer, offer_issued, stack):
    events = [offer_issued(f"opp-{uuid4()}") for _ in range(3)]
    poison = events[1]

    async def fail_on_poison(conn, envelope) -> None:
        if envelope.id == poison.id:
            raise ValueError("cannot apply this")
        await record_effect(conn, envelope)

    group = f"group-{uuid4()}"
    consumer = IdempotentConsumer(effects, group, {poison.type: fail_on_poison}, producer,
                                  max_attempts=2, backoff_seconds=0.01)
    await consumer.consume_batch([as_record(e, n) for n, e in enumerate(events)])

    applied = {r["event_id"] for r in await effects.fetch("SELECT event_id FROM effects")}
    assert applied == {events[0].id, events[2].id}
    [dead] = await read_back(stack.kafka_bootstrap, dead_letter_topic(group), {poison.subject},
                             1, timeout=10)
    assert dead.id == poison.id
