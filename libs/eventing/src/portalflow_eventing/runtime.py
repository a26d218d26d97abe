"""What each service runs beside its HTTP API: pool, migrations, relay and consumers."""

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from portalflow_contracts.topics import DEAD_LETTER_PARTITIONS, PARTITIONS, dead_letter_topic
from portalflow_eventing import kafka
from portalflow_eventing.consumer import AfterApplied, Handler, IdempotentConsumer, TogetherApplier
from portalflow_eventing.migrations import migrate
from portalflow_eventing.relay import Relay
from portalflow_eventing.settings import EventingSettings


@dataclass(frozen=True)
class Subscription:
    """A consumer group, the topics it reads and a handler per event type."""

    group: str
    topics: Sequence[str]
    handlers: dict[str, Handler]
    after_applied: AfterApplied | None = None
    apply_together: TogetherApplier | None = None


@dataclass
class Runtime:
    pool: asyncpg.Pool
    producer: AIOKafkaProducer
    broker: KafkaBroker
    relay: Relay
    tasks: list[asyncio.Task] = field(default_factory=list)

    async def ready(self) -> None:
        """Raise unless Postgres and the broker both answer now."""
        async with asyncio.timeout(2):
            await self.pool.fetchval("SELECT 1")
            await self.producer.client.fetch_all_metadata()


async def _left_clean(conn: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool: asyncpg has already rolled back
    any transaction left open, and our code leaves no session state behind (no SET; the relay
    and migrations release their advisory locks and listeners, or close the connection). So
    the pool skips asyncpg's default reset query, a round trip on every release."""


@asynccontextmanager
async def running(
    settings: EventingSettings, *, name: str, migrations: Sequence[Path],
    subscriptions: Callable[[asyncpg.Pool], Sequence[Subscription]] = lambda pool: (),
) -> AsyncIterator[Runtime]:
    """Migrate, then run the relay and the consumers until the block exits."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=2,
                                     max_size=settings.database_pool_size, reset=_left_clean)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, *migrations)
        subs = [replace(sub, group=sub.group + settings.consumer_group_suffix)
                for sub in subscriptions(pool)]
        await kafka.ensure_topics(settings.kafka_bootstrap_servers, {
            **PARTITIONS, **{dead_letter_topic(sub.group): DEAD_LETTER_PARTITIONS
                             for sub in subs}})
        producer = kafka.producer(settings.kafka_bootstrap_servers,
                                  idempotence=settings.kafka_idempotent_producer)
        await producer.start()
        broker = kafka.broker(settings.kafka_bootstrap_servers)
        for sub in subs:
            IdempotentConsumer(pool, sub.group, sub.handlers, producer,
                               max_attempts=settings.consumer_max_attempts,
                               batch_size=settings.consumer_batch_size,
                               fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
                               after_applied=sub.after_applied,
                               apply_together=sub.apply_together,
                               ).subscribe(broker, *sub.topics)
        relay = Relay(pool, producer, name, batch_size=settings.relay_batch_size)
        runtime = Runtime(pool, producer, broker, relay)
        runtime.tasks.append(asyncio.create_task(relay.run(), name=f"{name}-relay"))
        await broker.start()
        # What start-up built (modules, app, clients) lives as long as the process: out of the
        # collector's full passes, which otherwise walked it all every half second under load.
        gc.freeze()
        try:
            yield runtime
        finally:
            await broker.stop()
            for task in runtime.tasks:
                task.cancel()
            for task in runtime.tasks:
                with suppress(asyncio.CancelledError):
                    await task
            await producer.stop()
    finally:
        await pool.close()
