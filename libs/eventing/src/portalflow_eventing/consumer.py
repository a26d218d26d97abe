"""The idempotent consumer: effect and processed event id commit together; offsets after."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import Consumer, KafkaMessage
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka
from portalflow_contracts.topics import dead_letter_topic
from portalflow_eventing.metrics import (
    CONSUMER_LAG,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    HANDLER_DURATION,
)

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
TRANSIENT = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
             asyncpg.TooManyConnectionsError, asyncpg.exceptions.OperatorInterventionError)

log = structlog.get_logger(__name__)


class IdempotentConsumer:
    """Applies each event at most once per consumer group, whatever Kafka redelivers."""

    def __init__(self, pool: asyncpg.Pool, group: str, handlers: Mapping[str, Handler],
                 producer: AIOKafkaProducer, max_attempts: int = 5,
                 backoff_seconds: float = 0.2) -> None:
        self.pool, self.group, self.handlers, self.producer = pool, group, handlers, producer
        self.max_attempts, self.backoff_seconds = max_attempts, backoff_seconds

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
                    await handler(conn, envelope)
        outcome = "applied" if first_time else "duplicate"
        EVENTS_CONSUMED.labels(self.group, envelope.type, outcome).inc()
        return bool(first_time)

    async def consume(self, record: ConsumerRecord) -> None:
        """Decode and apply a record with bounded retries; dead-letter it when they run out."""
        try:
            envelope = from_kafka(record.headers, record.value)
        except MalformedEnvelopeError as error:
            await self._dead_letter(record, error, attempts=1)
            return
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts), reraise=True,
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
            # Not the message's fault: keep it (and its partition) until Postgres is back.
            log.warning("infrastructure unavailable, the message will be redelivered",
                        group=self.group, error=repr(error))
            await asyncio.sleep(self.backoff_seconds * 10)
            raise
        except Exception as error:  # every other error ends here after the last attempt
            await self._dead_letter(record, error, attempts)

    async def _dead_letter(self, record: ConsumerRecord, error: Exception, attempts: int) -> None:
        EVENTS_DEAD_LETTERED.labels(self.group, record.topic).inc()
        log.error("event dead-lettered", group=self.group, topic=record.topic,
                  partition=record.partition, offset=record.offset, error=repr(error))
        headers = [*record.headers,
                   ("x-dead-letter-error", repr(error).encode()),
                   ("x-dead-letter-attempts", str(attempts).encode()),
                   ("x-dead-letter-origin", f"{record.topic}/{record.partition}/"
                                            f"{record.offset}".encode())]
        # If this send fails the exception escapes: the message is nacked and comes back.
        await self.producer.send_and_wait(
            dead_letter_topic(self.group), value=record.value, key=record.key, headers=headers)

    def subscribe(self, broker: KafkaBroker, *topics: str) -> None:
        """Register with FastStream: explicit group, offsets committed only after the effect."""

        async def on_record(body: Any, message: KafkaMessage, consumer: Consumer) -> None:
            record = message.raw_message
            await self.consume(record)
            behind = consumer.highwater(TopicPartition(record.topic, record.partition))
            if behind is not None:
                CONSUMER_LAG.labels(self.group, record.topic, str(record.partition)).set(
                    max(behind - record.offset - 1, 0))

        broker.subscriber(
            *topics, group_id=self.group, auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR, title=f"{self.group}:{','.join(topics)}",
        )(on_record)
