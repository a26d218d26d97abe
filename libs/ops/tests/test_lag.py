"""`lag`: per group and partition, how far the committed offset is behind the end."""

import re
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from portalflow_eventing import kafka
from portalflow_ops import brokers, lag


async def test_lag_is_the_distance_from_the_committed_offset_to_the_end(
        ops, stack, producer, new_id):
    group, topic = new_id("ops-test-group"), new_id("ops-test.lag")
    await kafka.ensure_topics(stack.kafka_bootstrap, {topic: 2})
    for partition, count in ((0, 5), (1, 3)):
        for n in range(count):
            await producer.send_and_wait(topic, f"#{n}".encode(), partition=partition)
    await commit(stack.kafka_bootstrap, group, {TopicPartition(topic, 0): 2,
                                                TopicPartition(topic, 1): 3})

    rows = (await ops("lag", "--group", group, "--json")).json_lines()
    table = await ops("lag", "--group", group)

    assert rows == [
        {"group": group, "topic": topic, "partition": 0, "committed": 2, "end": 5, "lag": 3},
        {"group": group, "topic": topic, "partition": 1, "committed": 3, "end": 3, "lag": 0}]
    assert table.status == 0
    assert [re.findall(r"\d+", line.split(topic)[1])
            for line in table.out.splitlines() if topic in line] == [
        ["0", "2", "5", "3"], ["1", "3", "3", "0"]]


async def test_by_default_every_partition_of_portalflows_groups_is_shown(ops, stack, producer):
    rows = (await ops("lag", "--json")).json_lines()

    shown = {(r["group"], r["topic"], r["partition"]) for r in rows}
    async with brokers.connected(stack.kafka_bootstrap) as broker:
        expected = {(group, tp.topic, tp.partition) for group, topics in (
            ("config-service", ["portalflow.customer-events"]),
            ("portal-service.read-model", ["portalflow.flow-definitions",
                                           "portalflow.opportunities"]),
        ) for tp in await broker.partitions(topics)}
    assert shown == expected
    assert all(r["lag"] >= 0 and r["end"] >= 0 for r in rows)


async def commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """What a member of `group` commits after processing up to these offsets."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


def test_the_groups_are_named_as_the_services_name_them():
    from portalflow_config import bootstrap as config
    from portalflow_portal import bootstrap as portal

    assert lag.READ_MODEL_GROUP == portal.READ_MODEL_GROUP
    named = re.search(r'Subscription\(\s*"([^"]+)"\s*,\s*\[CUSTOMER_EVENTS\]',
                      Path(config.__file__).read_text())
    assert named and named[1] == lag.CONFIG_SERVICE_GROUP, \
        "config-service's consumer group changed: update portalflow_ops.lag"
