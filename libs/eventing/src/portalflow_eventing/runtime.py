"""What each service runs beside its HTTP API: pool, migrations, relay and consumers."""

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from portalflow_contracts.topics import DEAD_LETTER_PARTITIONS, PARTITIONS, dead_letter_topic
from portalflow_eventing import kafka
from portalflow_eventing.consumer import AfterApplied, Handler, IdempotentConsumer, TogetherApplier
from portalflow_eventing.migrations import migrate
from portalflow_eventing.relay import Relay, republish
from portalflow_eventing.settings import EventingSettings
from portalflow_eventing.topic_keeper import TopicKeeper

log = structlog.get_logger(__name__)

OK = "ok"
READY_CHECK_SECONDS = 2.0
TEARDOWN_SHARE = 0.8
"""Of the shutdown bound, what the lifespan's steps may take: uvicorn's own part needs the rest."""


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
    keeper: TopicKeeper
    tasks: list[asyncio.Task] = field(default_factory=list)
    connected: bool = False
    """The topics exist and the producer is started: the relay runs."""
    consumers_joined: bool = False
    """Every subscriber has joined its consumer group and has its partitions."""

    async def ready(self) -> dict[str, str]:
        """Each part's state: `ok`, or why it is not ready now."""
        checks = {"database": await _answers(self.pool.fetchval("SELECT 1"))}
        if not self.connected:
            checks["broker"] = "connecting"
        else:
            checks["broker"] = await _answers(self.producer.client.fetch_all_metadata())
        checks["topics"] = self.keeper.problem or OK
        checks["relay"] = f"unavailable: {self.relay.failure}" if self.relay.failure else OK
        checks["consumers"] = OK if self.consumers_joined else "joining"
        return checks

    def degraded(self) -> list[str]:
        """What works less than it should while the service still serves: parked keys."""
        return [key.describe() for key in self.relay.parked.values()]


async def _answers(request: Awaitable[object]) -> str:
    try:
        async with asyncio.timeout(READY_CHECK_SECONDS):
            await request
    except Exception as error:  # any failure means not ready
        return f"unavailable: {error!r}"
    return OK


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
    """Migrate, then run the relay and the consumers until the block exits.

    The block is entered as soon as the database is migrated: the broker is reached, and the
    consumer groups joined, in the background, so that the API answers meanwhile."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=2,
                                     max_size=settings.database_pool_size, reset=_left_clean)
    runtime = None
    try:
        async with pool.acquire() as conn:
            await migrate(conn, *migrations)
        subs = [replace(sub, group=sub.group + settings.consumer_group_suffix)
                for sub in subscriptions(pool)]
        topics = {**PARTITIONS, **{dead_letter_topic(sub.group): DEAD_LETTER_PARTITIONS
                                   for sub in subs}}
        options = kafka.security(settings)
        producer = kafka.producer(settings.kafka_bootstrap_servers,
                                  idempotence=settings.kafka_idempotent_producer, **options)
        broker = kafka.broker(settings.kafka_bootstrap_servers, settings)
        for sub in subs:
            IdempotentConsumer(pool, sub.group, sub.handlers, producer,
                               max_attempts=settings.consumer_max_attempts,
                               batch_size=settings.consumer_batch_size,
                               fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
                               after_applied=sub.after_applied,
                               apply_together=sub.apply_together,
                               ).subscribe(broker, *sub.topics)
        relay = Relay(pool, producer, name, batch_size=settings.relay_batch_size)
        keeper = TopicKeeper(settings, pool, relay, topics,
                             {dead_letter_topic(sub.group) for sub in subs})
        runtime = Runtime(pool, producer, broker, relay, keeper)
        runtime.tasks.append(asyncio.create_task(
            _connect(runtime, settings, topics, name), name=f"{name}-connect"))
        # What start-up built (modules, app, clients) lives as long as the process: out of the
        # collector's full passes, which otherwise walked it all every half second under load.
        gc.freeze()
        yield runtime
    finally:
        await _teardown(runtime, pool, settings.shutdown_timeout_seconds * TEARDOWN_SHARE)


async def _connect(runtime: Runtime, settings: EventingSettings, topics: dict[str, int],
                   name: str) -> None:
    """Create the topics, start the producer and the relay, then join the consumer groups."""
    while True:
        try:
            await kafka.ensure_topics(settings.kafka_bootstrap_servers, topics,
                                      replication_factor=settings.kafka_replication_factor,
                                      **kafka.security(settings))
            await runtime.producer.start()
            break
        except Exception as error:  # the broker is not there yet: the API serves meanwhile
            log.warning("broker unreachable, will try again", error=repr(error))
            await asyncio.sleep(1)
    runtime.connected = True
    runtime.tasks.append(asyncio.create_task(runtime.relay.run(), name=f"{name}-relay"))
    runtime.tasks.append(asyncio.create_task(runtime.keeper.run(), name=f"{name}-topics"))
    await runtime.broker.start()  # returns once every subscriber has its partitions
    runtime.consumers_joined = True
    log.info("consumers joined their groups")


async def _teardown(runtime: Runtime | None, pool: asyncpg.Pool, seconds: float) -> None:
    """Stop consumers, relay, producer and pool, each bounded: the broker or PostgreSQL may be
    gone, and a step that waits for them must not hold the process past its shutdown bound."""
    deadline = asyncio.get_running_loop().time() + seconds
    if runtime is not None:
        for task in runtime.tasks:
            task.cancel()
        await _bounded("background tasks", asyncio.gather(*runtime.tasks, return_exceptions=True),
                       deadline, share=0.2)
        await _bounded("consumers", runtime.broker.stop(), deadline, share=0.4)
        await _bounded("producer", runtime.producer.stop(), deadline, share=0.5)
    if not await _bounded("database pool", pool.close(), deadline, share=1.0):
        pool.terminate()


async def _bounded(step: str, work: Awaitable[object], deadline: float, share: float) -> bool:
    """Await `work` for at most `share` of the time left; False when it was cut short."""
    left = deadline - asyncio.get_running_loop().time()
    try:
        async with asyncio.timeout(max(left * share, 0.05)):
            await work
        return True
    except TimeoutError:
        log.warning("shutdown step cut short", step=step)
    except Exception as error:  # the server is gone: nothing more to stop cleanly
        log.warning("shutdown step failed", step=step, error=repr(error))
    return False


REPUBLISH_HELP = ("publish the whole store again, for a broker that lost its data (consumers "
                  "apply each event once)")


def republish_command(database_url: str, name: str) -> None:
    """`republish`: have relay `name` publish its whole store again and say how much."""
    count = asyncio.run(_republish(database_url, name))
    print(f"{name}'s relay publishes its {count} events again: the running one starts over "
          "now, or the next one when it starts")


async def _republish(database_url: str, name: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        await republish(conn, name)
        return await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()
