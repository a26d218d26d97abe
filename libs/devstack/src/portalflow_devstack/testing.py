"""pytest fixtures: the real PostgreSQL and broker, fresh databases, both services running."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from portalflow_contracts.envelope import Envelope, from_kafka
from portalflow_contracts.topics import PARTITIONS
from portalflow_eventing.kafka import ensure_topics

from .broker import EmbeddedBroker
from .processes import free_port, run_sync
from .services import CONFIG_SERVICE, PORTAL_SERVICE, ServiceProcess, service_env
from .stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """PostgreSQL and Kafka: from settings, testcontainers, or embedded servers."""
    with start_stack(tmp_path_factory.mktemp("stack")) as running:
        # Before anything publishes: a broker may auto-create a topic with another count.
        run_sync(lambda: ensure_topics(running.kafka_bootstrap, PARTITIONS))
        yield running


@pytest.fixture
def own_broker(stack: Stack, tmp_path: Path) -> Iterator[Stack]:
    """The session's PostgreSQL with a broker of this test's own, to restart, pause or lose."""
    if stack.postgres is None:
        pytest.skip("needs the embedded servers: a broker of its own")
    broker = EmbeddedBroker(tmp_path, port=free_port())
    broker.start()
    try:
        yield replace(stack, kafka_bootstrap=broker.bootstrap, broker=broker)
    finally:
        broker.stop()


@pytest.fixture
def database(stack: Stack) -> str:
    """The DSN of a new, empty database of this test's own."""
    return stack.database_url_for(f"test_{uuid4().hex[:12]}")


@dataclass
class Services:
    stack: Stack
    config: ServiceProcess
    portal: ServiceProcess

    def admin(self, org_id: str | None = None, permissions: list[str] | None = None,
              ) -> httpx.Client:
        """An admin API client for `org_id` (default: a new org) with `permissions`."""
        from portalflow_config.config import Settings
        from portalflow_config.entrypoints import auth

        settings = Settings(database_url="unused")
        token = auth.mint(settings.jwt_secret, settings.jwt_audience, subject="tester",
                          org_id=org_id or f"org-{uuid4().hex[:8]}",
                          permissions=list(auth.ALL_PERMISSIONS if permissions is None
                                           else permissions))
        return httpx.Client(base_url=self.config.url, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})

    def customer(self, token: str) -> httpx.Client:
        """A portal API client holding a customer's access token."""
        return self.portal_client(headers={"Authorization": f"Bearer {token}"})

    def portal_client(self, **options) -> httpx.Client:
        """A portal API client without credentials."""
        return httpx.Client(base_url=self.portal.url, timeout=10, **options)


@pytest.fixture(scope="session")
def services(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """config-service and portal-service as real processes on fresh databases."""
    blobs = tmp_path_factory.mktemp("blobs")
    with running_services(stack, tmp_path_factory.mktemp("service-logs"),
                          BLOB_STORE_PATH=str(blobs), CONSUMER_GROUP_SUFFIX="") as running:
        yield running


@contextmanager
def running_services(stack: Stack, logs: Path, **settings: str) -> Iterator[Services]:
    """Both services on fresh databases of their own, with extra settings, until the block ends.

    Their consumer groups are their own too (unless `CONSUMER_GROUP_SUFFIX` says otherwise): in
    another running pair's groups they would take its partitions, and miss their own events."""
    suffix = uuid4().hex[:8]
    settings.setdefault("CONSUMER_GROUP_SUFFIX", f".{suffix}")
    running = Services(stack, *(
        ServiceProcess(name, free_port(), service_env(
            stack.database_url_for(f"{name.replace('-', '_')}_{suffix}"),
            stack.kafka_bootstrap, **settings), logs)
        for name in (CONFIG_SERVICE, PORTAL_SERVICE)))
    running.config.start()
    running.portal.start()
    try:
        yield running
    finally:
        running.portal.stop()
        running.config.stop()


def eventually(check: Callable[[], object], timeout: float = 20.0, interval: float = 0.05):
    """Poll `check` until it returns a truthy value and return it; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            last_error = None
        except AssertionError as error:
            result, last_error = None, error
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {last_error or result!r}")
        time.sleep(interval)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Await until `await check()` is true; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not true within {timeout}s"
        await asyncio.sleep(0.02)


async def read_back(bootstrap: str, topic: str, subjects: set[str], count: int,
                    timeout: float = 30.0) -> list[Envelope]:
    """The first `count` envelopes about `subjects` on `topic`, in the order consumed."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"test-{uuid4()}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[Envelope] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [e for e in (from_kafka(r.headers, r.value) for r in records)
                          if e.subject in subjects]
    finally:
        await consumer.stop()
    return found


def assert_matches_schema(envelope: Envelope) -> None:
    """Fail unless the payload validates against its checked-in JSON Schema."""
    import json

    import jsonschema

    from portalflow_contracts.schema import SCHEMA_DIR

    schema = json.loads((SCHEMA_DIR / f"{envelope.type}.json").read_text())
    jsonschema.validate(envelope.data, schema)


async def published(services: Services, topic: str, subject: str, count: int,
                    ) -> list[Envelope]:
    """The first `count` events about `subject` on `topic`, each checked against its schema."""
    found = await read_back(services.stack.kafka_bootstrap, topic, {subject}, count, timeout=15)
    for envelope in found:
        assert_matches_schema(envelope)
    return found
