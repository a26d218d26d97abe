"""Kafka for operators: reads without a consumer group, so no real group is ever disturbed."""

import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from portalflow_eventing import kafka
from portalflow_ops.errors import OpsError
from portalflow_ops.settings import OpsSettings

Offsets = dict[TopicPartition, int]


class UnknownTopicError(OpsError):
    pass


@dataclass
class Broker:
    """An admin client and a group-less consumer (no membership, no offset commits)."""

    bootstrap_servers: str
    admin: AIOKafkaAdminClient
    consumer: AIOKafkaConsumer

    async def topics(self, prefix: str = "") -> list[str]:
        """The topics whose name starts with `prefix`, internal ones left out."""
        return sorted(t for t in await self.admin.list_topics()
                      if t.startswith(prefix) and not t.startswith("__"))

    async def partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        """Every partition of `topics`, which must exist."""
        topics = list(topics)
        # Checked first: a metadata request naming a missing topic can auto-create it.
        if missing := set(topics) - set(await self.admin.list_topics()):
            raise UnknownTopicError(f"no such topic: {', '.join(sorted(missing))}")
        if not topics:
            return []
        return sorted(TopicPartition(meta["topic"], p["partition"])
                      for meta in await self.admin.describe_topics(topics)
                      for p in meta["partitions"])

    async def bounds(self, partitions: list[TopicPartition]) -> tuple[Offsets, Offsets]:
        """The first and the next-to-be-written offset of each partition."""
        if not partitions:
            return {}, {}
        begin = await self.consumer.beginning_offsets(partitions)
        end = await self.consumer.end_offsets(partitions)
        # Some brokers (Tansu) answer the offset after the first record of the last batch:
        # a fetch from there reports the true end as its high watermark.
        probed = [tp for tp in partitions if end[tp] > begin[tp]]
        if probed:
            self.consumer.assign(probed)
            for tp in probed:
                self.consumer.seek(tp, end[tp])
            deadline = time.monotonic() + 5
            while (any(self.consumer.highwater(tp) is None for tp in probed)
                   and time.monotonic() < deadline):
                await self.consumer.getmany(*probed, timeout_ms=200, max_records=1)
        return begin, {tp: max(end[tp], self.consumer.highwater(tp) or 0) if tp in probed
                       else end[tp] for tp in partitions}

    async def committed(self, group: str, partitions: list[TopicPartition]) -> Offsets:
        """The offsets `group` committed; -1 where it has none."""
        if not partitions:
            return {}
        # Partitions are named: some brokers (Tansu) cannot answer "all of the group's".
        found = await self.admin.list_consumer_group_offsets(group, partitions=partitions)
        return {tp: found[tp].offset if tp in found else -1 for tp in partitions}

    async def read(self, start: Mapping[TopicPartition, int], end: Mapping[TopicPartition, int],
                   max_records: int = 500) -> AsyncIterator[list[ConsumerRecord]]:
        """Batches of the records from `start` up to `end` (excluded), each partition in order."""
        pending = {tp for tp in start if start[tp] < end[tp]}
        if not pending:
            return
        self.consumer.assign(sorted(pending))
        for tp in pending:
            self.consumer.seek(tp, start[tp])
        while pending:
            batches = await self.consumer.getmany(*pending, timeout_ms=1000,
                                                  max_records=max_records)
            for tp, records in sorted(batches.items()):
                if within := [r for r in records if r.offset < end[tp]]:
                    yield within
            for tp in list(pending):
                if await self.consumer.position(tp) >= end[tp]:
                    pending.discard(tp)


@asynccontextmanager
async def connected(bootstrap_servers: str) -> AsyncIterator[Broker]:
    """A started `Broker`, closed on exit."""
    security = kafka.security(OpsSettings())
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                fetch_max_wait_ms=100, **security)
    await admin.start()
    try:
        await consumer.start()
        try:
            yield Broker(bootstrap_servers, admin, consumer)
        finally:
            await consumer.stop()
    finally:
        await admin.close()


async def commit_offsets(bootstrap_servers: str, group: str, offsets: Offsets) -> None:
    """Commit `offsets` for `group` without joining it.

    Kafka accepts such a commit only while the group has no members, so this fails rather than
    move offsets under a running consumer.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group,
                                enable_auto_commit=False, **kafka.security(OpsSettings()))
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(dict(offsets))
    finally:
        await consumer.stop()
