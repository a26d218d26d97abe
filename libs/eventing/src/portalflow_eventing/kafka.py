"""Kafka clients built from settings: one place for bootstrap, security and client options."""

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.helpers import create_ssl_context
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from portalflow_eventing.settings import EventingSettings, KafkaSettings

log = structlog.get_logger(__name__)

TOPIC_CONFIGS = {"retention.ms": "-1"}  # the read model is rebuilt from them


def security(settings: KafkaSettings) -> dict[str, Any]:
    """The aiokafka options that authenticate and encrypt: the same for every client."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_cafile, certfile=settings.kafka_ssl_certfile,
            keyfile=settings.kafka_ssl_keyfile)
    if settings.kafka_sasl_mechanism:
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password.get_secret_value())
    return options


def producer(bootstrap_servers: str, *, idempotence: bool = False,
             **options: Any) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica and keeps per-partition order.

    No linger: a record goes out at once, and records queued while a request is in flight
    go together in the next one (one hop through the embedded broker: p50 10.1 → 7.4 ms)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=idempotence,
        linger_ms=0, request_timeout_ms=15000, **options,
    )


def admin(bootstrap_servers: str, **options: Any) -> AIOKafkaAdminClient:
    """An admin client (not started)."""
    return AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **options)


class _Broker(KafkaBroker):
    """A KafkaBroker whose subscribers get the group timing and membership of the settings."""

    consumer_defaults: Mapping[str, Any] = {}

    def subscriber(self, *topics: Any, **options: Any) -> Any:  # type: ignore[override]
        return super().subscriber(*topics, **{**self.consumer_defaults, **options})


def broker(bootstrap_servers: str, settings: EventingSettings | None = None) -> KafkaBroker:
    """The FastStream broker the consumers subscribe to. It injects nothing into handlers
    (`apply_types=False`): theirs take a batch's raw records (`consumer.raw_records`), and
    injection resolved each context argument in a worker thread, on every batch."""
    if settings is None:
        return KafkaBroker(bootstrap_servers, logger=None, apply_types=False)
    built = _Broker(bootstrap_servers, logger=None, apply_types=False,
                    security=_faststream_security(settings))
    built.consumer_defaults = {
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "group_instance_id": settings.kafka_group_instance_id,
    }
    return built


def _faststream_security(settings: KafkaSettings) -> BaseSecurity | None:
    """`security` as FastStream takes it (it turns it back into the same aiokafka options)."""
    options = security(settings)
    ssl_context = options.get("ssl_context")
    if not settings.kafka_sasl_mechanism:
        return BaseSecurity(ssl_context) if ssl_context else None
    kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256,
            "SCRAM-SHA-512": SASLScram512}[settings.kafka_sasl_mechanism]
    return kind(options["sasl_plain_username"], options["sasl_plain_password"],
                ssl_context=ssl_context, use_ssl=ssl_context is not None)


async def ensure_topics(bootstrap_servers: str, partitions: Mapping[str, int],
                        timeout: float = 30.0, *, replication_factor: int = 1,
                        **options: Any) -> None:
    """Create the topics with their partition counts (existing ones are kept), then await them."""
    client = admin(bootstrap_servers, **options)
    await client.start()
    try:
        await create_topics(client, partitions, replication_factor)
        await await_topics(client, partitions, timeout)
    finally:
        await client.close()


async def create_topics(client: AIOKafkaAdminClient, partitions: Mapping[str, int],
                        replication_factor: int = 1) -> None:
    """Create the topics with their partition counts; existing ones are kept as they are."""
    if not partitions:
        return
    response = await client.create_topics(
        [NewTopic(name, count, replication_factor=replication_factor,
                  topic_configs=TOPIC_CONFIGS)
         for name, count in partitions.items()])
    # create_topics reports failures as error codes rather than raising.
    for topic, code, *rest in response.topic_errors:
        if code not in (0, TopicAlreadyExistsError.errno):
            raise for_code(code)(f"creating topic {topic!r}: {rest[0] if rest else ''}")


async def await_topics(client: AIOKafkaAdminClient, partitions: Mapping[str, int],
                       timeout: float) -> None:
    """Wait until the topics are in the metadata; warn of one with another partition count."""
    # list_topics() first: a metadata request naming a missing topic can auto-create it.
    deadline = time.monotonic() + timeout
    while missing := set(partitions) - set(await client.list_topics()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics not visible in metadata: {sorted(missing)}")
        await asyncio.sleep(0.1)
    for meta in await client.describe_topics(list(partitions)):
        if len(meta["partitions"]) != partitions[meta["topic"]]:
            log.warning("topic has another partition count", topic=meta["topic"],
                        partitions=len(meta["partitions"]), wanted=partitions[meta["topic"]])


async def end_offsets(consumer: AIOKafkaConsumer,
                      partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The next-to-be-written offset of each partition, read by a group-less `consumer`; a
    partition whose end could not be established is left out."""
    end = await consumer.end_offsets(partitions)
    # Some brokers (Tansu) answer the offset after the first record of the last batch:
    # a fetch from there reports the true end as its high watermark.
    probed = [tp for tp in partitions if end[tp] > 0]
    if probed:
        consumer.assign(probed)
        for tp in probed:
            consumer.seek(tp, end[tp])
        deadline = time.monotonic() + 5
        while (any(consumer.highwater(tp) is None for tp in probed)
               and time.monotonic() < deadline):
            await consumer.getmany(*probed, timeout_ms=200, max_records=1)
    found = {tp: end[tp] for tp in partitions if tp not in probed}
    return found | {tp: max(end[tp], consumer.highwater(tp)) for tp in probed
                    if consumer.highwater(tp) is not None}
