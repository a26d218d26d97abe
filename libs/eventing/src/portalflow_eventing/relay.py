"""The outbox relay: publishes the event table to Kafka in commit order, single-active."""

import asyncio
import zlib
from collections import Counter, deque
from contextlib import suppress
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from portalflow_contracts.envelope import to_kafka
from portalflow_eventing import store
from portalflow_eventing.metrics import EVENTS_PUBLISHED, RELAY_LAG

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Handed:
    """A batch handed to the producer: its last position, its deliveries, events per topic."""

    position: int
    deliveries: list[asyncio.Future]
    topics: Counter[str]

    def done(self) -> bool:
        return all(delivery.done() for delivery in self.deliveries)

    def raise_failure(self) -> None:
        for delivery in self.deliveries:
            delivery.result()


class Relay:
    """Hands every event after the checkpoint to the producer, in order, and moves the
    checkpoint as the broker acknowledges them.

    The next batch is read and handed over while the last ones wait for their
    acknowledgement, and the checkpoint is stored once for every batch acknowledged meanwhile:
    neither the broker's answer nor the checkpoint's commit holds back the events behind them.
    If a delivery fails, whatever was handed over is published again from the checkpoint."""

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, name: str,
                 batch_size: int = 500, idle_poll_seconds: float = 1.0,
                 max_unacknowledged: int = 8) -> None:
        self.pool, self.producer, self.name = pool, producer, name
        self.batch_size, self.idle_poll_seconds = batch_size, idle_poll_seconds
        self.max_unacknowledged = max_unacknowledged
        self._wakeup = asyncio.Event()
        self._handed_over = asyncio.Event()
        self._acknowledged = asyncio.Event()
        self._unacknowledged: deque[Handed] = deque()
        """The batches handed over and not yet acknowledged, oldest first."""
        self._sent: int | None = None
        """Position of the last event handed to the producer."""
        self.checkpoint: int | None = None
        """Position of the last event acknowledged and stored, while this relay holds the lock."""

    @property
    def in_flight(self) -> int:
        """How many batches were handed over and are not yet acknowledged."""
        return len(self._unacknowledged)

    async def publish_pending(self) -> int:
        """Hand the next batch to the producer; return how many events it held."""
        async with self.pool.acquire() as conn:
            if self.checkpoint is None:  # only the lock holder moves it: read once, then kept
                self.checkpoint = await conn.fetchval(
                    "SELECT position FROM relay_checkpoints WHERE relay = $1", self.name) or 0
            if self._sent is None:
                self._sent = self.checkpoint
            events = await store.read_after(conn, self._sent, self.batch_size)
            RELAY_LAG.set(0 if len(events) < self.batch_size else await conn.fetchval(
                "SELECT max(position) FROM events") - events[-1].position)  # a full batch: more
        if not events:
            return 0
        # The producer sends them in this order and keeps it within each partition.
        deliveries: list[asyncio.Future] = []
        try:
            for event in events:
                headers, key, value = to_kafka(event.envelope)
                deliveries.append(await self.producer.send(
                    event.envelope.topic, value=value, key=key, headers=headers))
        finally:  # what was handed over is waited for, even if the rest could not be
            if deliveries:
                handed = events[:len(deliveries)]
                self._unacknowledged.append(Handed(
                    handed[-1].position, deliveries, Counter(e.envelope.topic for e in handed)))
                self._sent = handed[-1].position
                self._handed_over.set()
        return len(events)

    async def acknowledge(self) -> None:
        """Wait for the oldest batch's acknowledgement, then store the checkpoint past it and
        every later batch already acknowledged; raise if a delivery failed."""
        await asyncio.gather(*self._unacknowledged[0].deliveries)
        acknowledged = [self._unacknowledged.popleft()]
        while self._unacknowledged and self._unacknowledged[0].done():
            acknowledged.append(self._unacknowledged.popleft())
            acknowledged[-1].raise_failure()
        position = acknowledged[-1].position
        async with self.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO relay_checkpoints (relay, position) VALUES ($1, $2)"
                " ON CONFLICT (relay) DO UPDATE SET position = excluded.position",
                self.name, position)
        self.checkpoint = position
        self._acknowledged.set()
        for batch in acknowledged:
            for topic, count in batch.topics.items():
                EVENTS_PUBLISHED.labels(topic).inc(count)

    async def run(self) -> None:
        """Publish as events are appended, while holding the relay's lock, until cancelled."""
        while True:
            try:
                await self._run_while_locked()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("relay lost Postgres, will start again", relay=self.name,
                            error=repr(error))
                await asyncio.sleep(self.idle_poll_seconds)

    async def _run_while_locked(self) -> None:
        # Single-active: the session advisory lock lives as long as this connection; if the
        # connection dies the lock is gone (another replica may take over), so we stop too.
        async with self.pool.acquire() as lock_conn:
            lock_id = zlib.crc32(self.name.encode())
            while not await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_id):
                await asyncio.sleep(self.idle_poll_seconds)
            log.info("relay active", relay=self.name)
            await lock_conn.add_listener(store.NOTIFY_CHANNEL, self._on_notify)
            try:
                await self._loop(lock_conn)
            finally:
                try:
                    await lock_conn.remove_listener(store.NOTIFY_CHANNEL, self._on_notify)
                    await lock_conn.execute("SELECT pg_advisory_unlock($1)", lock_id)
                except Exception:  # the pool must not get it back still locked or listening
                    lock_conn.terminate()

    async def _loop(self, lock_conn: asyncpg.Connection) -> None:
        while not lock_conn.is_closed():
            self.checkpoint = self._sent = None  # read again: another replica may have moved it
            acknowledging = asyncio.create_task(self._acknowledge_forever())
            try:
                await self._hand_over(lock_conn, acknowledging)
            except Exception as error:  # the broker or Postgres is away: retry, never skip
                log.warning("relay publish failed, will retry", relay=self.name, error=str(error))
            finally:
                acknowledging.cancel()
                with suppress(asyncio.CancelledError):
                    await acknowledging
            await self._settle()
            await asyncio.sleep(self.idle_poll_seconds)
        raise asyncpg.InterfaceError("the relay's lock connection closed")

    async def _hand_over(self, lock_conn: asyncpg.Connection,
                         acknowledging: asyncio.Task) -> None:
        """Hand batches over as they are appended; raise what stops `acknowledging`."""
        while not lock_conn.is_closed():
            self._wakeup.clear()
            self._acknowledged.clear()
            if self.in_flight >= self.max_unacknowledged:
                await self._first_of(self._acknowledged, acknowledging)
            elif await self.publish_pending() < self.batch_size:
                await self._first_of(self._wakeup, acknowledging)

    async def _first_of(self, event: asyncio.Event, acknowledging: asyncio.Task) -> None:
        """Wait for `event`, for the poll interval to pass, or for `acknowledging` to fail."""
        waiting = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({waiting, acknowledging}, timeout=self.idle_poll_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        if acknowledging.done():
            acknowledging.result()

    async def _acknowledge_forever(self) -> None:
        while True:
            self._handed_over.clear()
            if self._unacknowledged:
                await self.acknowledge()
            else:
                await self._handed_over.wait()

    async def _settle(self) -> None:
        """Let every delivery handed over end, sent or failed, and forget them: the next
        hand-over starts again from the checkpoint."""
        while self._unacknowledged:
            await asyncio.gather(*self._unacknowledged.popleft().deliveries,
                                 return_exceptions=True)

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()
