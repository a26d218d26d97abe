"""The idempotent consumer: once per event, nothing half-applied, dead letters after retries."""

from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord

from portalflow_contracts.envelope import Envelope, to_kafka
from portalflow_contracts.events.opportunity import OfferAccepted
from portalflow_contracts.topics import dead_letter_topic
from portalflow_devstack.testing import read_back
from portalflow_eventing.consumer import IdempotentConsumer
from portalflow_eventing.statements import Statement


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



async def test_a_mixed_batch_keeps_each_streams_order_and_appliers_see_what_came_before(
        effects, producer, offer_issued):
    """Projectors' statements are grouped, yet an applier (which may read) runs after those
    before it, and each opportunity's effects land in the order of its events."""
    await effects.execute("ALTER TABLE effects ADD COLUMN seq serial")
    first, second = f"opp-{uuid4()}", f"opp-{uuid4()}"
    accepted = Envelope.wrap(OfferAccepted(opportunity_id=first, offer_id="offer-2",
                                           customer_event_id=str(uuid4())),
                             source="test", subject=first, org_id="test-org",
                             correlation_id=str(uuid4()))
    batch = [offer_issued(first, 1), offer_issued(first, 2), offer_issued(second, 1),
             accepted, offer_issued(first, 3), offer_issued(second, 2)]

    def note_issued(envelope):
        return Statement("INSERT INTO effects (event_id, note) VALUES ($1, $2)",
                         (envelope.id, f"{envelope.subject} {envelope.data['offer_id']}"))

    async def note_accepted(conn, envelope) -> None:
        seen = await conn.fetchval("SELECT count(*) FROM effects")
        await conn.execute("INSERT INTO effects (event_id, note) VALUES ($1, $2)",
                           envelope.id, f"{envelope.subject} accepted after {seen}")

    told = []

    async def tell(conn, envelopes) -> None:
        told.append([e.id for e in envelopes])

    consumer = IdempotentConsumer(effects, f"group-{uuid4()}",
                                  {batch[0].type: note_issued, accepted.type: note_accepted},
                                  producer, after_applied=tell)

    assert await consumer.apply_batch([*batch[:3], batch[0], *batch[3:]]) == 6

    assert told == [[e.id for e in batch]]
    notes = [r["note"] for r in await effects.fetch("SELECT note FROM effects ORDER BY seq")]
    assert [n for n in notes if n.startswith(first)] == [
        f"{first} offer-1", f"{first} offer-2", f"{first} accepted after 3",
        f"{first} offer-3"]
    assert [n for n in notes if n.startswith(second)] == [
        f"{second} offer-1", f"{second} offer-2"]


async def test_apply_together_gets_a_batch_s_fresh_events_in_place_of_their_handlers(
        effects, producer, offer_issued):
    """What can be read and written for many events at once (config-service: the opportunities
    a batch of customer events names) is applied together; a lone event goes to its handler."""
    order = []

    async def together(conn, envelopes) -> None:
        order.append(("together", conn.is_in_transaction(), [e.id for e in envelopes]))

    async def handle(conn, envelope) -> None:
        order.append(("handled", envelope.id))

    batch = [offer_issued(f"opp-{uuid4()}") for _ in range(3)]
    consumer = IdempotentConsumer(effects, f"group-{uuid4()}", {batch[0].type: handle},
                                  producer, apply_together=together)

    assert await consumer.apply_batch([batch[0], batch[0], *batch[1:]]) == 3
    assert order == [("together", True, [e.id for e in batch])]

    order.clear()  # redelivered: nothing to apply
    assert await consumer.apply_batch(batch) == 0
    assert await consumer.apply(batch[0]) is False
    assert order == []

    later = [offer_issued(f"opp-{uuid4()}") for _ in range(2)]
    assert await consumer.apply_batch([batch[1], *later]) == 2
    single = offer_issued(f"opp-{uuid4()}")
    assert await consumer.apply(single) is True
    assert order == [("together", True, [e.id for e in later]), ("handled", single.id)]
