"""Kafka clients built from settings: one place for bootstrap and producer options."""

import asyncio
import time
from collections.abc import Mapping

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from faststream.kafka import KafkaBroker

log = structlog.get_logger(__name__)


def producer(bootstrap_servers: str, *, idempotence: bool = False) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica and keeps per-partition order.

    No linger: a record goes out at once, and records queued while a request is in flight
    go together in the next one (one hop through the embedded broker: p50 10.1 → 7.4 ms)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=idempotence,
        linger_ms=0, request_timeout_ms=15000,
    )


def broker(bootstrap_servers: str) -> KafkaBroker:
    """The FastStream broker the consumers subscribe to. It injects nothing into handlers
    (`apply_types=False`): theirs take a batch's raw records (`consumer.raw_records`), and
    injection resolved each context argument in a worker thread, on every batch."""
    return KafkaBroker(bootstrap_servers, logger=None, apply_types=False)


async def ensure_topics(bootstrap_servers: str, partitions: Mapping[str, int],
                        timeout: float = 30.0) -> None:
    """Create the topics with their partition counts (existing ones are kept), then await them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, count, replication_factor=1,
                      topic_configs={"retention.ms": "-1"})  # the read model is rebuilt from them
             for name, count in partitions.items()])
        # create_topics reports failures as error codes rather than raising.
        for topic, code, *rest in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise for_code(code)(f"creating topic {topic!r}: {rest[0] if rest else ''}")
        await _await_topics(admin, partitions, timeout)
    finally:
        await admin.close()


async def _await_topics(admin: AIOKafkaAdminClient, partitions: Mapping[str, int],
                        timeout: float) -> None:
    # list_topics() first: a metadata request naming a missing topic can auto-create it.
    deadline = time.monotonic() + timeout
    while missing := set(partitions) - set(await admin.list_topics()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics not visible in metadata: {sorted(missing)}")
        await asyncio.sleep(0.1)
    for meta in await admin.describe_topics(list(partitions)):
        if len(meta["partitions"]) != partitions[meta["topic"]]:
            log.warning("topic has another partition count", topic=meta["topic"],
                        partitions=len(meta["partitions"]), wanted=partitions[meta["topic"]])
