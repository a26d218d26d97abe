"""A record that can never be applied is dead-lettered once, at once, and its partition goes on."""

import json
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from portalflow_contracts.envelope import to_kafka
from portalflow_contracts.events.opportunity import OfferIssued
from portalflow_contracts.topics import dead_letter_topic
from portalflow_eventing.consumer import IdempotentConsumer
from portalflow_eventing.kafka import ensure_topics


@pytest.fixture
async def effects(pool):
    await pool.execute("CREATE TABLE effects (event_id text)")
    return pool


async def strict_effect(conn, envelope) -> None:
    OfferIssued.model_validate(envelope.data)  # what a real handler does first
    await conn.execute("INSERT INTO effects VALUES ($1)", envelope.id)


def record(envelope, offset: int, *, value: bytes | None = None,
           type_: str | None = None) -> ConsumerRecord:
    headers, key, encoded = to_kafka(envelope)
    if type_:
        headers = [(n, type_.encode() if n == "ce_type" else v) for n, v in headers]
    value = encoded if value is None else value
    return ConsumerRecord(envelope.topic, 0, offset, 0, 0, key, value, None, len(key),
                          len(value), tuple(headers))


async def dead_letters(bootstrap: str, group: str) -> list[ConsumerRecord]:
    """Every record of the group's dead-letter topic (the group is this test's own)."""
    consumer = AIOKafkaConsumer(dead_letter_topic(group), bootstrap_servers=bootstrap,
                                group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [r for records in batches.values() for r in records]
    finally:
        await consumer.stop()


def attempts(letter: ConsumerRecord) -> int:
    return int(dict(letter.headers)["x-dead-letter-attempts"])


@pytest.fixture
async def group(stack):
    name = f"group-{uuid4()}"
    await ensure_topics(stack.kafka_bootstrap, {dead_letter_topic(name): 1})
    return name


async def test_malformed_unknown_and_invalid_records_go_once_and_the_good_ones_apply(
        effects, producer, offer_issued, stack, group):
    good, malformed, newer, invalid, failing = (offer_issued(f"opp-{uuid4()}") for _ in range(5))
    invalid.data["amount"] = "not a number"

    async def handler(conn, envelope) -> None:
        if envelope.id == failing.id:
            raise RuntimeError("fails every time")  # sends the batch one by one
        await strict_effect(conn, envelope)

    consumer = IdempotentConsumer(effects, group, {good.type: handler}, producer,
                                  max_attempts=3, backoff_seconds=0.01)
    await consumer.consume_batch([
        record(malformed, 0, value=b"{not json"), record(newer, 1, type_=f"{good.type}9"),
        record(invalid, 2), record(failing, 3), record(good, 4)])

    applied = [r["event_id"] for r in await effects.fetch("SELECT event_id FROM effects")]
    assert applied == [good.id]
    letters = await dead_letters(stack.kafka_bootstrap, group)
    by_id = {dict(letter.headers)["ce_id"].decode(): letter for letter in letters}
    assert len(letters) == 4 and by_id.keys() == {malformed.id, newer.id, invalid.id, failing.id}
    assert [attempts(by_id[e.id]) for e in (malformed, newer, invalid, failing)] == [1, 1, 1, 3]


async def test_a_record_too_large_to_copy_is_dead_lettered_as_a_reference(
        effects, offer_issued, stack, group):
    small = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, max_request_size=20_000)
    await small.start()
    try:
        huge, good = offer_issued(f"opp-{uuid4()}"), offer_issued(f"opp-{uuid4()}")
        huge.data["amount"], huge.data["title"] = "not a number", "x" * 30_000
        consumer = IdempotentConsumer(effects, group, {good.type: strict_effect}, small)
        await consumer.consume_batch([record(huge, 7), record(good, 8)])
    finally:
        await small.stop()

    [letter] = await dead_letters(stack.kafka_bootstrap, group)
    assert dict(letter.headers)["x-dead-letter-reference"] == b"true"
    reference = json.loads(letter.value)
    assert reference["reference"] == f"{huge.topic}/0/7"
    assert reference["headers"]["ce_id"] == huge.id and reference["size"] > 30_000
    assert [r["event_id"] for r in await effects.fetch("SELECT event_id FROM effects")] == [
        good.id]
