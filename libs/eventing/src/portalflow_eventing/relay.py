"""The outbox relay: publishes the event table to Kafka in commit order, single-active."""

import asyncio
import zlib
from contextlib import suppress

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from portalflow_contracts.envelope import to_kafka
from portalflow_eventing import store
from portalflow_eventing.metrics import EVENTS_PUBLISHED, RELAY_LAG

log = structlog.get_logger(__name__)


class Relay:
    """Publishes every event after the checkpoint, then moves the checkpoint."""

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, name: str,
                 batch_size: int = 500, idle_poll_seconds: float = 1.0) -> None:
        self.pool, self.producer, self.name = pool, producer, name
        self.batch_size, self.idle_poll_seconds = batch_size, idle_poll_seconds
        self._wakeup = asyncio.Event()
        self.checkpoint: int | None = None
        """Position of the last event published, while this relay holds the lock."""

    async def publish_pending(self) -> int:
        """Publish one batch after the checkpoint, then move it; return how many events it held."""
        checkpoint = self.checkpoint
        async with self.pool.acquire() as conn:
            if checkpoint is None:  # only the lock holder moves it: read once, then kept here
                checkpoint = await conn.fetchval(
                    "SELECT position FROM relay_checkpoints WHERE relay = $1", self.name) or 0
            events = await store.read_after(conn, checkpoint, self.batch_size)
            lag = 0 if len(events) < self.batch_size else await conn.fetchval(
                "SELECT max(position) FROM events") - events[-1].position  # a full batch: more
            RELAY_LAG.set(lag)
            if not events:
                self.checkpoint = checkpoint
                return 0
            # Sends are queued in order; the producer keeps per-partition order, and the
            # checkpoint moves only once every send of the batch is acknowledged.
            deliveries = []
            for event in events:
                headers, key, value = to_kafka(event.envelope)
                deliveries.append(await self.producer.send(
                    event.envelope.topic, value=value, key=key, headers=headers))
            await asyncio.gather(*deliveries)
            for event in events:
                EVENTS_PUBLISHED.labels(event.envelope.topic).inc()
            await conn.execute(
                "INSERT INTO relay_checkpoints (relay, position) VALUES ($1, $2)"
                " ON CONFLICT (relay) DO UPDATE SET position = excluded.position",
                self.name, events[-1].position)
            self.checkpoint = events[-1].position
            return len(events)

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
        self.checkpoint = None  # read again: another replica may have moved it meanwhile
        while not lock_conn.is_closed():
            self._wakeup.clear()
            try:
                if await self.publish_pending() == self.batch_size:
                    continue
            except Exception as error:  # the broker or Postgres is away: retry, never skip
                log.warning("relay publish failed, will retry", relay=self.name, error=str(error))
                await asyncio.sleep(self.idle_poll_seconds)
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.idle_poll_seconds)
        raise asyncpg.InterfaceError("the relay's lock connection closed")

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()
