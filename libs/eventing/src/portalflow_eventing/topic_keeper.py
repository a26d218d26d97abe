"""The topic keeper: notices a broker that lost its topics or its records, and refills it."""

import asyncio
from collections.abc import Mapping, Set

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from portalflow_eventing import kafka
from portalflow_eventing.relay import Relay, republish
from portalflow_eventing.settings import EventingSettings

log = structlog.get_logger(__name__)

FAILURE_POLL_SECONDS = 0.25


class TopicKeeper:
    """Keeps the topics with their partition counts and the broker holding what the relay
    published; when the broker lost any of it, the relay publishes its whole store again."""

    def __init__(self, settings: EventingSettings, pool: asyncpg.Pool, relay: Relay,
                 partitions: Mapping[str, int], dead_letters: Set[str]) -> None:
        self.settings, self.pool, self.relay = settings, pool, relay
        self.partitions, self.dead_letters = dict(partitions), set(dead_letters)
        self.problem: str | None = "topics not checked yet"
        """Why the topics are not as they should be now, for readiness; None when they are."""

    async def run(self) -> None:
        """Check now, then every interval and whenever the relay fails, until cancelled."""
        while True:
            try:
                await self.check()
            except Exception as error:  # the broker is away: the relay says so too
                self.problem = f"cannot check the topics: {type(error).__name__}: {error}"
                log.warning("topic check failed", error=repr(error))
            await self._wait()

    async def _wait(self) -> None:
        seen = self.relay.failure
        for _ in range(max(int(self.settings.topic_check_interval_seconds
                               / FAILURE_POLL_SECONDS), 1)):
            await asyncio.sleep(FAILURE_POLL_SECONDS)
            if self.relay.failure and self.relay.failure != seen:
                return

    async def check(self) -> None:
        """Recreate what is missing or wrong, then republish if the broker lost records."""
        security = kafka.security(self.settings)
        admin = kafka.admin(self.settings.kafka_bootstrap_servers, **security)
        await admin.start()
        try:
            recreated = await self._repair(admin)
        finally:
            await admin.close()
        published = dict(self.relay.published)  # before the ends: those only grow
        lost = recreated & {tp.topic for tp in published}
        behind = await self._behind(published, security) if published else []
        if lost or behind:
            await self._republish(f"topics recreated: {sorted(lost)}" if lost else
                                  f"partitions behind what was published: {behind}")
        self.problem = None

    async def _repair(self, admin) -> set[str]:
        """Create the missing topics, and recreate ours that have another partition count."""
        # list_topics() first: a metadata request naming a missing topic can auto-create it.
        names = set(await admin.list_topics())
        missing = {t: n for t, n in self.partitions.items() if t not in names}
        ours = ({tp.topic for tp in self.relay.published} | self.dead_letters) & names
        wrong = {meta["topic"]: self.partitions[meta["topic"]]
                 for meta in (await admin.describe_topics(sorted(ours)) if ours else [])
                 if meta["topic"] in self.partitions
                 and len(meta["partitions"]) != self.partitions[meta["topic"]]}
        if not missing and not wrong:
            return set()
        self.problem = f"topics being repaired: missing {sorted(missing)}, " \
                       f"with another partition count {sorted(wrong)}"
        log.warning("the broker lost topics: creating them again", missing=sorted(missing),
                    wrong_partition_count=sorted(wrong))
        if wrong:  # auto-created by a client: they hold nothing that is not in our store
            await admin.delete_topics(list(wrong))
        await kafka.create_topics(admin, {**missing, **wrong},
                                  self.settings.kafka_replication_factor)
        await kafka.await_topics(admin, {**missing, **wrong}, timeout=30)
        return set(missing) | set(wrong)

    async def _behind(self, published: Mapping[TopicPartition, int],
                      security: dict) -> list[str]:
        """The partitions whose end on the broker is below what the relay had published."""
        partitions = [tp for tp in published
                      if tp.partition < self.partitions.get(tp.topic, 0)]
        consumer = AIOKafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap_servers,
                                    group_id=None, enable_auto_commit=False, **security)
        await consumer.start()
        try:
            ends = await kafka.end_offsets(consumer, partitions)
        finally:
            await consumer.stop()
        return [f"{tp.topic}/{tp.partition}: {ends[tp]} < {published[tp]}"
                for tp in partitions if tp in ends and ends[tp] < published[tp]]

    async def _republish(self, reason: str) -> None:
        self.problem = f"the broker lost data ({reason}): publishing the store again"
        log.warning("the broker lost data: the relay publishes its whole store again",
                    relay=self.relay.name, reason=reason)
        async with self.pool.acquire() as conn:
            await republish(conn, self.relay.name)
        self.relay.restart()
