"""The topic keeper recreates a topic of ours that a client auto-created with another partition
count, leaves other services' topics to them, and has the relay publish its store again."""

from uuid import uuid4

import pytest

from portalflow_contracts.topics import FLOW_DEFINITIONS, OPPORTUNITIES, PARTITIONS
from portalflow_devstack.testing import read_back
from portalflow_eventing import kafka, store
from portalflow_eventing.relay import Relay
from portalflow_eventing.settings import EventingSettings
from portalflow_eventing.topic_keeper import TopicKeeper


@pytest.fixture
def bootstrap(own_broker) -> str:
    return own_broker.kafka_bootstrap


async def counts(bootstrap: str) -> dict[str, int]:
    admin = kafka.admin(bootstrap)
    await admin.start()
    try:
        present = sorted(set(await admin.list_topics()) & set(PARTITIONS))
        return {m["topic"]: len(m["partitions"]) for m in await admin.describe_topics(present)}
    finally:
        await admin.close()


async def test_an_auto_created_topic_of_ours_is_recreated_and_refilled(
        pool, database, bootstrap, offer_issued):
    # As a client's metadata request would have auto-created them: the broker's default count.
    await kafka.ensure_topics(bootstrap, {OPPORTUNITIES: 4, FLOW_DEFINITIONS: 2})
    producer = kafka.producer(bootstrap)
    await producer.start()
    try:
        relay = Relay(pool, producer, "test-relay")
        stream = f"opp-{uuid4().hex[:8]}"
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, stream, [offer_issued(stream, n) for n in (1, 2, 3)],
                               expected_version=None)
        assert await relay.publish_pending() == 3
        keeper = TopicKeeper(EventingSettings(database_url=database,
                                              kafka_bootstrap_servers=bootstrap),
                             pool, relay, PARTITIONS, dead_letters=set())

        await keeper.check()

        assert keeper.problem is None
        # Ours (the relay published there) recreated; another service's left to that service.
        assert await counts(bootstrap) == {**PARTITIONS, FLOW_DEFINITIONS: 2}
        assert relay.checkpoint is None  # starts over: its store again, from the first event
        while await relay.publish_pending():
            pass
    finally:
        await producer.stop()
    found = await read_back(bootstrap, OPPORTUNITIES, {stream}, 3, timeout=15)
    assert [e.data["offer_id"] for e in found] == ["offer-1", "offer-2", "offer-3"]
