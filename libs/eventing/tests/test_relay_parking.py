"""An event the broker can never take parks its key; every other key's events keep flowing."""

from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_devstack.testing import read_back
from portalflow_eventing import parking, store
from portalflow_eventing.metrics import RELAY_LAG, RELAY_PARKED_KEYS
from portalflow_eventing.relay import Relay, republish


@pytest.fixture
async def small_producer(stack):
    """A producer that refuses records over 20 kB, as a broker refuses records over its limit."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all",
                                max_request_size=20_000)
    await producer.start()
    yield producer
    await producer.stop()


async def drain(relay: Relay) -> None:
    while await relay.publish_pending():
        pass


async def append(pool, stream_id: str, envelope) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, stream_id, [envelope], expected_version=None)


def titled(offer_issued, stream_id: str, n: int, size: int = 10):
    envelope = offer_issued(stream_id, n)
    envelope.data["title"] = "x" * size
    return envelope


async def titles(stack, subjects: set[str], count: int) -> dict[str, list[str]]:
    found = await read_back(stack.kafka_bootstrap, OPPORTUNITIES, subjects, count, timeout=10)
    return {s: [e.data["offer_id"] for e in found if e.subject == s] for s in subjects}


async def test_a_parked_key_waits_while_others_flow_and_goes_on_once_set_aside(
        pool, small_producer, stack, offer_issued):
    stuck, flowing = f"opp-{uuid4()}", f"opp-{uuid4()}"
    relay = Relay(pool, small_producer, name=f"relay-{uuid4()}")
    too_large = titled(offer_issued, stuck, 2, size=30_000)
    for n in (1, 2, 3):
        await append(pool, stuck, too_large if n == 2 else titled(offer_issued, stuck, n))
        await append(pool, flowing, titled(offer_issued, flowing, n))
    await drain(relay)

    published = await titles(stack, {stuck, flowing}, 4)
    assert published == {flowing: ["offer-1", "offer-2", "offer-3"], stuck: ["offer-1"]}
    assert [p.event_id for p in await parking.parked(pool, relay.name)] == [too_large.id]
    assert any(too_large.id in problem for problem in relay.problems())
    assert RELAY_LAG._value.get() == 2 and RELAY_PARKED_KEYS._value.get() == 1

    async with pool.acquire() as conn:
        assert await parking.set_aside(conn, relay.name, too_large.id, "too large") is not None
    relay.restart()  # what the notification does in a running relay
    await append(pool, stuck, titled(offer_issued, stuck, 4))
    await drain(relay)

    published = await titles(stack, {stuck}, 3)
    assert published[stuck] == ["offer-1", "offer-3", "offer-4"]
    assert await parking.parked(pool, relay.name) == [] and relay.problems() == []
    assert RELAY_LAG._value.get() == 0


async def test_a_parked_key_tried_again_publishes_its_events_in_order(
        pool, small_producer, producer, stack, offer_issued):
    stuck = f"opp-{uuid4()}"
    name = f"relay-{uuid4()}"
    too_large = titled(offer_issued, stuck, 1, size=30_000)
    await append(pool, stuck, too_large)
    await append(pool, stuck, titled(offer_issued, stuck, 2))
    await drain(Relay(pool, small_producer, name=name))
    assert (await titles(stack, {stuck}, 1))[stuck] == []

    async with pool.acquire() as conn:  # the broker takes larger records now
        assert await parking.retry(conn, name, too_large.id) is not None
    await drain(Relay(pool, producer, name=name))

    assert (await titles(stack, {stuck}, 2))[stuck] == ["offer-1", "offer-2"]
    assert await parking.parked(pool, name) == []


async def test_republish_publishes_the_whole_store_again_and_offsets_are_kept(
        pool, producer, stack, offer_issued):
    stream_id = f"opp-{uuid4()}"
    name = f"relay-{uuid4()}"
    for n in (1, 2):
        await append(pool, stream_id, titled(offer_issued, stream_id, n))
    relay = Relay(pool, producer, name=name)
    await drain(relay)
    assert relay.published and all(offset > 0 for offset in relay.published.values())
    again = Relay(pool, producer, name=name)
    await again.publish_pending()
    assert again.published == relay.published  # read back from the database

    async with pool.acquire() as conn:
        await republish(conn, name)
    again.restart()
    await drain(again)

    assert (await titles(stack, {stream_id}, 4))[stream_id] == [
        "offer-1", "offer-2", "offer-1", "offer-2"]
