"""`dead-letters`: list, show and replay what a consumer group gave up on."""

import json
from dataclasses import dataclass, replace
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from portalflow_contracts.envelope import Envelope, from_kafka, to_kafka
from portalflow_contracts.topics import dead_letter_topic
from portalflow_eventing import kafka


@dataclass
class DeadLettered:
    group: str
    origin_topic: str
    envelope: Envelope
    headers: list[tuple[str, bytes]]
    key: bytes
    value: bytes


@pytest.fixture
async def dead_letter(stack, producer, lifecycle, new_id) -> DeadLettered:
    """An event of a topic of this test's own, dead-lettered by a group of its own."""
    group, origin_topic = new_id("ops-test-group"), new_id("ops-test.origin")
    await kafka.ensure_topics(stack.kafka_bootstrap, {origin_topic: 1,
                                                      dead_letter_topic(group): 1})
    envelope = lifecycle(new_id("org"), new_id("opp"))[2]
    headers, key, value = to_kafka(envelope)
    letter = DeadLettered(group, origin_topic, envelope, headers, key, value)
    await send_dead_letter(producer, letter)
    return letter


async def send_dead_letter(producer, letter: DeadLettered) -> None:
    """What IdempotentConsumer writes when it gives up on the record at offset 41."""
    await producer.send_and_wait(
        dead_letter_topic(letter.group), letter.value, letter.key, headers=[
            *letter.headers, ("x-dead-letter-error", b"ValueError('cannot apply this')"),
            ("x-dead-letter-attempts", b"5"),
            ("x-dead-letter-origin", f"{letter.origin_topic}/0/41".encode())])


async def test_list_shows_the_event_its_error_and_where_it_came_from(ops, dead_letter):
    group, origin_topic = dead_letter.group, dead_letter.origin_topic
    envelope = dead_letter.envelope

    [listed] = (await ops("dead-letters", "list", "--group", group, "--json")).json_lines()
    everyone = (await ops("dead-letters", "list", "--json")).json_lines()
    table = await ops("dead-letters", "list", "--group", group)

    assert listed["event_id"] == envelope.id
    assert listed["error"] == "ValueError('cannot apply this')" and listed["attempts"] == 5
    assert listed["origin"] == {"topic": origin_topic, "partition": 0, "offset": 41}
    assert listed["envelope"]["type"] == envelope.type
    assert envelope.id in {d["event_id"] for d in everyone}
    assert envelope.id in table.out and "opportunity.offer-issued" in table.out


async def test_show_gives_the_whole_envelope_by_event_id_or_by_position(ops, dead_letter):
    group, envelope = dead_letter.group, dead_letter.envelope

    by_id = await ops("dead-letters", "show", envelope.id)
    by_position = await ops("dead-letters", "show", "0/0", "--group", group)

    shown = json.loads(by_id.out)
    assert shown == json.loads(by_position.out)
    assert shown["envelope"]["data"] == envelope.data
    assert shown["envelope"]["subject"] == envelope.subject
    assert shown["dead_letter"] == {"group": group, "topic": dead_letter_topic(group),
                                    "partition": 0, "offset": 0}
    assert shown["attempts"] == 5 and "cannot apply this" in shown["error"]


async def test_replay_publishes_the_original_record_to_its_topic(ops, dead_letter, stack):
    letter = dead_letter

    ran = await ops("dead-letters", "replay", letter.envelope.id, "--group", letter.group)

    assert ran.status == 0 and f"replayed {letter.envelope.id}" in ran.out
    [record] = await _records(stack.kafka_bootstrap, letter.origin_topic, count=1)
    assert (record.key, record.value) == (letter.key, letter.value)
    assert list(record.headers) == letter.headers  # the x-dead-letter-* headers are gone
    assert from_kafka(record.headers, record.value) == letter.envelope


async def test_an_event_dead_lettered_twice_is_replayed_once(ops, dead_letter, producer, stack):
    letter = dead_letter
    await send_dead_letter(producer, letter)  # its replay failed again

    listed = (await ops("dead-letters", "list", "--group", letter.group, "--json")).json_lines()
    dry_run = await ops("dead-letters", "replay", "--all", "--group", letter.group, "--dry-run")
    nothing_yet = await _records(stack.kafka_bootstrap, letter.origin_topic, count=1)
    ran = await ops("dead-letters", "replay", "--all", "--group", letter.group)

    assert [d["event_id"] for d in listed] == [letter.envelope.id] * 2
    assert dry_run.out.count("would replay ") == 1 and nothing_yet == []
    assert ran.status == 0 and ran.out.count("replayed ") == 1
    assert len(await _records(stack.kafka_bootstrap, letter.origin_topic, count=2)) == 1


async def test_an_unknown_id_is_an_error_saying_how_to_find_one(ops, dead_letter):
    ran = await ops("dead-letters", "show", str(uuid4()), "--group", dead_letter.group)

    assert ran.status == 1 and "dead-letters list" in ran.err


async def test_a_position_in_several_groups_topics_is_refused_without_group(
        ops, dead_letter, producer, stack, new_id):
    other = replace(dead_letter, group=new_id("ops-test-group"))  # same event, another group
    await kafka.ensure_topics(stack.kafka_bootstrap, {dead_letter_topic(other.group): 1})
    await send_dead_letter(producer, other)

    ran = await ops("dead-letters", "replay", "0/0")

    assert ran.status == 1 and "add --group" in ran.err
    assert await _records(stack.kafka_bootstrap, dead_letter.origin_topic, count=1) == []


async def _records(bootstrap: str, topic: str, count: int) -> list:
    """Up to `count` records of partition 0 of `topic`, from the beginning."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        found = []
        for _ in range(6):
            found += (await consumer.getmany(tp, timeout_ms=500)).get(tp, [])
            if len(found) >= count:
                break
        return found
    finally:
        await consumer.stop()
