"""The outbox relay: publishes the event table to Kafka in commit order, single-active."""

import asyncio
import zlib
from collections.abc import Sequence
from contextlib import suppress

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    CorruptRecordException,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)

from portalflow_contracts.envelope import to_kafka
from portalflow_eventing import parking, store
from portalflow_eventing.metrics import EVENTS_PUBLISHED, RELAY_LAG, RELAY_PARKED_KEYS
from portalflow_eventing.parking import Parked
from portalflow_eventing.store import StoredEvent

log = structlog.get_logger(__name__)

Key = tuple[str, str]
"""(topic, partition key): what Kafka keeps in order, and so what the relay parks."""

UNPUBLISHABLE = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError,
                 CorruptRecordException, UnsupportedForMessageFormatError,
                 ValueError, TypeError)  # the last two: an envelope that cannot be encoded
"""Errors that say this one record can never be published as it is: retrying cannot help.
Any other error (the broker away, a timeout) holds the whole batch back for another try."""

_SAVE = """
WITH checkpoint AS (
    INSERT INTO relay_checkpoints (relay, position) VALUES ($1, $2)
    ON CONFLICT (relay) DO UPDATE SET position = excluded.position
)
INSERT INTO relay_offsets (relay, topic, partition, next_offset)
SELECT $1, t, p, o FROM unnest($3::text[], $4::integer[], $5::bigint[]) AS x(t, p, o)
ON CONFLICT (relay, topic, partition)
DO UPDATE SET next_offset = greatest(relay_offsets.next_offset, excluded.next_offset)
"""


async def republish(conn: asyncpg.Connection, relay: str) -> None:
    """Publish the relay's whole store again, from its first event (for a broker that lost its
    data); consumers apply each event once, so what they had is unchanged. The running relay
    starts over at once; parked keys stay parked."""
    async with conn.transaction():
        await conn.execute("UPDATE relay_checkpoints SET position = 0 WHERE relay = $1", relay)
        await conn.execute("DELETE FROM relay_offsets WHERE relay = $1", relay)
        await parking.notify(conn)


class Relay:
    """Publishes every event after the checkpoint, then moves the checkpoint; a key whose event
    cannot be published is parked, and its events wait while every other key's flow."""

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer, name: str,
                 batch_size: int = 500, idle_poll_seconds: float = 1.0) -> None:
        self.pool, self.producer, self.name = pool, producer, name
        self.batch_size, self.idle_poll_seconds = batch_size, idle_poll_seconds
        self._wakeup = asyncio.Event()
        self.checkpoint: int | None = None
        """Position of the last event published, while this relay holds the lock; None: to be
        read again from the database (at start, and after `restart`)."""
        self.parked: dict[Key, Parked] = {}
        self.published: dict[TopicPartition, int] = {}
        """The next offset the broker should have on each partition this relay published to."""
        self.failure: str | None = None
        """Why the last round failed as a whole (the broker or PostgreSQL away), if it did."""
        self._waiting = 0  # events of parked keys, not published

    def restart(self) -> None:
        """Read the checkpoint, the published offsets and the parked keys again, now."""
        self.checkpoint = None
        self._wakeup.set()

    def problems(self) -> list[str]:
        """What keeps events from being published now, one line each; empty when nothing."""
        found = [f"the relay cannot publish: {self.failure}"] if self.failure else []
        return found + [key.describe() for key in self.parked.values()]

    async def publish_pending(self) -> int:
        """Publish one batch after the checkpoint, then move it; return how many events it held."""
        async with self.pool.acquire() as conn:
            if self.checkpoint is None:  # only the lock holder moves it: read, then kept here
                await self._load(conn)
                await self._release(conn)
            events = await store.read_after(conn, self.checkpoint, self.batch_size)
            beyond = 0 if len(events) < self.batch_size else await conn.fetchval(
                "SELECT max(position) FROM events") - events[-1].position  # a full batch: more
            RELAY_LAG.set(len(events) + beyond + self._waiting)
            if not events:
                return 0
            await self._publish(conn, events)
            self.checkpoint = events[-1].position
            RELAY_LAG.set(beyond + self._waiting)
            return len(events)

    async def _load(self, conn: asyncpg.Connection) -> None:
        self.checkpoint = await conn.fetchval(
            "SELECT position FROM relay_checkpoints WHERE relay = $1", self.name) or 0
        self.published = {TopicPartition(r["topic"], r["partition"]): r["next_offset"]
                          for r in await conn.fetch("SELECT * FROM relay_offsets"
                                                    " WHERE relay = $1", self.name)}
        self.parked = {(p.topic, p.key): p for p in await parking.parked(conn, self.name)}
        await self._count_waiting(conn)

    async def _count_waiting(self, conn: asyncpg.Connection) -> None:
        self._waiting = sum([len(await parking.waiting(conn, self.name, p, self.checkpoint))
                             for p in self.parked.values()])
        RELAY_PARKED_KEYS.set(len(self.parked))

    async def _release(self, conn: asyncpg.Connection) -> None:
        """Publish, in order, the waiting events of the keys an operator released, before
        anything after the checkpoint; a key whose event fails again is parked at that one."""
        released = [key for key in self.parked.values() if key.retry]
        for key in released:
            waiting = await parking.waiting(conn, self.name, key, self.checkpoint)
            for event in waiting:
                try:
                    await (await self._send(event))
                except UNPUBLISHABLE as error:
                    await self._park(conn, event, error)
                    break
                EVENTS_PUBLISHED.labels(event.envelope.topic).inc()
            else:
                await parking.unpark(conn, self.name, key)
                del self.parked[(key.topic, key.key)]
                log.info("parked key published again", relay=self.name, topic=key.topic,
                         key=key.key, events=len(waiting))
        if released:
            await self._count_waiting(conn)

    async def _publish(self, conn: asyncpg.Connection, events: Sequence[StoredEvent]) -> None:
        """Send the events of keys that are not parked, park a key whose event cannot be
        published, and save the checkpoint once the broker acknowledged the rest."""
        sent: list[tuple[StoredEvent, asyncio.Future]] = []
        for event in events:
            key = (event.envelope.topic, event.envelope.key)
            if key in self.parked:
                self._waiting += 1
                continue
            # Sends are queued in order and the producer keeps per-partition order; a record
            # refused here (too large) has sent nothing, so its key's later ones wait behind it.
            try:
                sent.append((event, await self._send(event)))
            except UNPUBLISHABLE as error:
                await self._park(conn, event, error)
        results = await asyncio.gather(*(delivery for _, delivery in sent),
                                       return_exceptions=True)
        acknowledged = []
        for (event, _), result in zip(sent, results, strict=True):
            if isinstance(result, UNPUBLISHABLE):  # refused by the broker itself
                log.warning("the broker refused an event after later ones of its key may have"
                            " been published", relay=self.name, event_id=event.envelope.id)
                await self._park(conn, event, result)
            elif isinstance(result, BaseException):
                raise result  # the broker is away: the whole batch again, later
            else:
                acknowledged.append(result)
                EVENTS_PUBLISHED.labels(event.envelope.topic).inc()
        await self._save(conn, events[-1].position, acknowledged)

    async def _send(self, event: StoredEvent) -> asyncio.Future:
        headers, key, value = to_kafka(event.envelope)
        return await self.producer.send(event.envelope.topic, value=value, key=key,
                                        headers=headers)

    async def _save(self, conn: asyncpg.Connection, position: int, acknowledged: list) -> None:
        for metadata in acknowledged:
            tp = metadata.topic_partition
            self.published[tp] = max(self.published.get(tp, 0), metadata.offset + 1)
        tps = list({m.topic_partition for m in acknowledged})
        await conn.execute(_SAVE, self.name, position, [tp.topic for tp in tps],
                           [tp.partition for tp in tps], [self.published[tp] for tp in tps])

    async def _park(self, conn: asyncpg.Connection, event: StoredEvent,
                    error: BaseException) -> None:
        parked = await parking.park(conn, self.name, event, f"{type(error).__name__}: {error}")
        self.parked[(parked.topic, parked.key)] = parked
        self._waiting += 1
        RELAY_PARKED_KEYS.set(len(self.parked))
        log.error("event cannot be published: its key waits", relay=self.name,
                  problem=parked.describe())

    async def run(self) -> None:
        """Publish as events are appended, while holding the relay's lock, until cancelled."""
        while True:
            try:
                await self._run_while_locked()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                self.failure = f"PostgreSQL is unavailable ({error!r})"
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
            await lock_conn.add_listener(parking.CONTROL_CHANNEL, self._on_control)
            try:
                await self._loop(lock_conn)
            finally:
                try:
                    await lock_conn.remove_listener(store.NOTIFY_CHANNEL, self._on_notify)
                    await lock_conn.remove_listener(parking.CONTROL_CHANNEL, self._on_control)
                    await lock_conn.execute("SELECT pg_advisory_unlock($1)", lock_id)
                except Exception:  # the pool must not get it back still locked or listening
                    lock_conn.terminate()

    async def _loop(self, lock_conn: asyncpg.Connection) -> None:
        self.checkpoint = None  # read again: another replica may have moved it meanwhile
        while not lock_conn.is_closed():
            self._wakeup.clear()
            try:
                published = await self.publish_pending()
                self.failure = None
                if published == self.batch_size:
                    continue
            except Exception as error:  # the broker or Postgres is away: retry, never skip
                self.failure = f"{type(error).__name__}: {error}"
                self.checkpoint = None  # and what this round parked is read again
                log.warning("relay publish failed, will retry", relay=self.name, error=str(error))
                await asyncio.sleep(self.idle_poll_seconds)
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.idle_poll_seconds)
        raise asyncpg.InterfaceError("the relay's lock connection closed")

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()

    def _on_control(self, *_: object) -> None:
        self.restart()
