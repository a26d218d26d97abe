"""The idempotent consumer: effect and processed event id commit together; offsets after."""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka
from portalflow_contracts.registry import EVENT_TYPES, UnknownEventTypeError
from portalflow_contracts.topics import dead_letter_topic
from portalflow_eventing import statements
from portalflow_eventing.metrics import (
    CONSUMER_LAG,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    HANDLER_DURATION,
)
from portalflow_eventing.statements import Handler
from portalflow_eventing.store import EventTooLargeError

AfterApplied = Callable[[asyncpg.Connection, Sequence[Envelope]], Awaitable[None]]
TogetherApplier = Callable[[asyncpg.Connection, Sequence[Envelope]], Awaitable[None]]
"""Applies the fresh events of a transaction, in order, in place of their handlers one by one
(e.g. one read and one write for them all instead of one of each per event)."""
TRANSIENT = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
             asyncpg.TooManyConnectionsError, asyncpg.exceptions.OperatorInterventionError)
PERMANENT = (MalformedEnvelopeError, UnknownEventTypeError, ValidationError,
             EventTooLargeError)
"""Errors that say the record can never be applied as it is: dead-lettered at once, untried."""

IDLE_WAIT_MS = 100
"""How long a subscriber waits for records before it looks again. After a wait that found
none, FastStream sleeps as long again, and records that arrive meanwhile wait too: with its
default of 200 ms the first actions after a quiet spell took up to 200 ms more per hop. Much
shorter waits end empty under load too, where a fetch takes tens of milliseconds."""

log = structlog.get_logger(__name__)


class IdempotentConsumer:
    """Applies each event at most once per consumer group, whatever Kafka redelivers."""

    def __init__(self, pool: asyncpg.Pool, group: str, handlers: Mapping[str, Handler],
                 producer: AIOKafkaProducer, max_attempts: int = 5,
                 backoff_seconds: float = 0.2, batch_size: int = 200,
                 fetch_max_wait_ms: int = 500, after_applied: AfterApplied | None = None,
                 apply_together: TogetherApplier | None = None) -> None:
        self.pool, self.group, self.handlers, self.producer = pool, group, handlers, producer
        self.max_attempts, self.backoff_seconds = max_attempts, backoff_seconds
        self.batch_size, self.fetch_max_wait_ms = batch_size, fetch_max_wait_ms
        self.after_applied = after_applied
        """Called once per transaction with the events it applied, before it commits."""
        self.apply_together = apply_together
        """When set, applies a batch's fresh events; each handler still applies its event
        alone (a redelivery one by one, or `apply`)."""

    async def apply(self, envelope: Envelope) -> bool:
        """Apply one event in one transaction; False when it was applied before or is unknown."""
        handler = self.handlers.get(envelope.type)
        if handler is None:
            EVENTS_CONSUMED.labels(self.group, envelope.type, "ignored").inc()
            return False
        with HANDLER_DURATION.labels(self.group, envelope.type).time():
            async with self.pool.acquire() as conn, conn.transaction():
                first_time = await conn.fetchval(
                    "INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)"
                    " ON CONFLICT DO NOTHING RETURNING true", self.group, envelope.id)
                if first_time:
                    await statements.apply(conn, handler, envelope)
                    if self.after_applied:
                        await self.after_applied(conn, [envelope])
        outcome = "applied" if first_time else "duplicate"
        EVENTS_CONSUMED.labels(self.group, envelope.type, outcome).inc()
        return bool(first_time)

    async def apply_batch(self, envelopes: Sequence[Envelope]) -> int:
        """Apply events in order in one transaction, each at most once; return how many."""
        known = [e for e in envelopes if e.type in self.handlers]
        if len(known) < len(envelopes):
            self._count("ignored", [e for e in envelopes if e.type not in self.handlers])
        if not known:
            return 0
        started = time.perf_counter()
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = set(await conn.fetchval(
                "WITH new AS (INSERT INTO processed_events (consumer_group, event_id)"
                " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id)"
                " SELECT coalesce(array_agg(event_id), '{}') FROM new",
                self.group, [e.id for e in known]))
            applied = []
            for envelope in known:
                if envelope.id in fresh:
                    fresh.discard(envelope.id)  # a batch may hold the same event twice
                    applied.append(envelope)
            if self.apply_together and applied:
                await self.apply_together(conn, applied)
            else:
                pending = statements.Pending()
                for envelope in applied:
                    await statements.handle(conn, self.handlers[envelope.type], envelope,
                                            pending)
                await pending.send(conn)
            if applied and self.after_applied:
                await self.after_applied(conn, applied)
        self._observe(applied, time.perf_counter() - started)
        self._count("applied", applied)
        if len(applied) < len(known):
            done = {envelope.id for envelope in applied}
            self._count("duplicate", [e for e in known if e.id not in done])
        if applied:
            log.info("events consumed", group=self.group, applied=len(applied),
                     duplicates=len(known) - len(applied),
                     correlation_ids=sorted({e.correlation_id for e in applied}))
        return len(applied)

    def _count(self, outcome: str, envelopes: Sequence[Envelope]) -> None:
        for event_type, count in Counter(e.type for e in envelopes).items():
            EVENTS_CONSUMED.labels(self.group, event_type, outcome).inc(count)

    def _observe(self, applied: Sequence[Envelope], seconds: float) -> None:
        # Grouped statements cannot be timed one by one: each event gets its share of the batch.
        for event_type, count in Counter(e.type for e in applied).items():
            histogram = HANDLER_DURATION.labels(self.group, event_type)
            for _ in range(count):
                histogram.observe(seconds / len(applied))

    async def consume_batch(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply records in one transaction; if that fails, one by one with retries and dead
        letters, so that a poison message holds back neither the others nor its partition."""
        decoded = []
        for record in records:
            try:
                decoded.append((record, _decoded(record)))
            except PERMANENT as error:  # dead-lettered once, here, and left out below
                await self._dead_letter(record, error, attempts=1)
        try:
            await self.apply_batch([envelope for _, envelope in decoded])
        except TRANSIENT as error:
            await self._hold_back(error)
        except Exception as error:  # a handler failed: find out which, in order
            log.warning("batch failed, applying its events one by one", group=self.group,
                        error=repr(error))
            for record, envelope in decoded:
                await self._consume(record, envelope)

    async def _hold_back(self, error: Exception) -> None:
        # Not the messages' fault: keep them (and their partitions) until Postgres is back.
        log.warning("infrastructure unavailable, the messages will be redelivered",
                    group=self.group, error=repr(error))
        await asyncio.sleep(self.backoff_seconds * 10)
        raise error

    async def consume(self, record: ConsumerRecord) -> None:
        """Decode and apply a record with bounded retries; dead-letter it when they run out."""
        try:
            envelope = _decoded(record)
        except PERMANENT as error:
            await self._dead_letter(record, error, attempts=1)
            return
        await self._consume(record, envelope)

    async def _consume(self, record: ConsumerRecord, envelope: Envelope) -> None:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts), reraise=True,
            retry=retry_if_not_exception_type((*PERMANENT, *TRANSIENT)),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=5))
        attempts = 0
        try:
            with structlog.contextvars.bound_contextvars(
                    correlation_id=envelope.correlation_id, event_id=envelope.id,
                    event_type=envelope.type):
                async for attempt in retrying:
                    with attempt:
                        attempts += 1
                        applied = await self.apply(envelope)
                log.info("event consumed", group=self.group, subject=envelope.subject,
                         applied=applied, attempts=attempts)
        except TRANSIENT as error:
            await self._hold_back(error)
        except Exception as error:  # every other error ends here after the last attempt
            await self._dead_letter(record, error, attempts)

    async def _dead_letter(self, record: ConsumerRecord, error: Exception, attempts: int) -> None:
        EVENTS_DEAD_LETTERED.labels(self.group, record.topic).inc()
        log.error("event dead-lettered", group=self.group, topic=record.topic,
                  partition=record.partition, offset=record.offset, error=repr(error))
        origin = f"{record.topic}/{record.partition}/{record.offset}"
        about = [("x-dead-letter-error", repr(error)[:2000].encode()),
                 ("x-dead-letter-attempts", str(attempts).encode()),
                 ("x-dead-letter-origin", origin.encode())]
        topic = dead_letter_topic(self.group)
        # If a send fails otherwise the exception escapes: the message is nacked, comes back.
        try:
            await self.producer.send_and_wait(topic, value=record.value, key=record.key,
                                              headers=[*record.headers, *about])
        except MessageSizeTooLargeError:  # too large to keep: where it is, and why
            await self.producer.send_and_wait(topic, value=_reference(record), key=record.key,
                                              headers=[*about, ("x-dead-letter-reference",
                                                                b"true")])

    def subscribe(self, broker: KafkaBroker, *topics: str) -> None:
        """Register with FastStream: explicit group, batches, offsets committed after the effect
        (a failure seeks every partition of the batch back: nothing is skipped).

        The handler takes the batch's records as aiokafka gave them (`raw_records`); the
        broker must inject nothing, as `kafka.broker` builds it."""
        subscriber = broker.subscriber(
            *topics, group_id=self.group, auto_offset_reset="earliest", batch=True,
            max_records=self.batch_size, fetch_max_wait_ms=self.fetch_max_wait_ms,
            batch_timeout_ms=IDLE_WAIT_MS, decoder=raw_records,
            ack_policy=AckPolicy.NACK_ON_ERROR, title=f"{self.group}:{','.join(topics)}",
        )

        @subscriber
        async def on_records(records: Sequence[ConsumerRecord]) -> None:
            await self.consume_batch(records)
            last = {(r.topic, r.partition): r.offset for r in records}
            for (topic, partition), offset in last.items():
                end = subscriber.consumer.highwater(TopicPartition(topic, partition))
                if end is not None:
                    CONSUMER_LAG.labels(self.group, topic, str(partition)).set(
                        max(end - offset - 1, 0))


def _decoded(record: ConsumerRecord) -> Envelope:
    """The record's envelope, if it is one of a type this version of Portalflow knows."""
    envelope = from_kafka(record.headers, record.value)
    if envelope.type not in EVENT_TYPES:
        raise UnknownEventTypeError(f"unknown event type {envelope.type!r}: not one this "
                                    "version reads (a newer version, or not Portalflow's)")
    return envelope


def _reference(record: ConsumerRecord) -> bytes:
    """What a dead letter holds of a record too large to copy: enough to find and judge it."""
    named = {name: value.decode(errors="replace")[:200] for name, value in record.headers
             if name in ("ce_id", "ce_type", "ce_subject", "ce_orgid")}
    return json.dumps({"reference": f"{record.topic}/{record.partition}/{record.offset}",
                       "size": len(record.value or b""), "headers": named}).encode()


async def raw_records(message: KafkaMessage) -> Sequence[ConsumerRecord]:
    """A batch as the records aiokafka fetched: `from_kafka` decodes each one, once."""
    return message.raw_message
