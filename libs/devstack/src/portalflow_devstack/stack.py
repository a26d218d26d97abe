"""Pick and start a PostgreSQL + Kafka pair: from settings, testcontainers, or embedded servers."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .broker import EmbeddedBroker
from .postgres import EmbeddedPostgres, create_database_sync
from .postgres import create_database as _create_database

log = logging.getLogger(__name__)

KINDS = ("settings", "testcontainers", "embedded")
POSTGRES_IMAGE = os.environ.get("PORTALFLOW_POSTGRES_IMAGE", "postgres:18-alpine")
KAFKA_IMAGE = os.environ.get("PORTALFLOW_KAFKA_IMAGE", "confluentinc/cp-kafka:7.6.0")


@dataclass
class Stack:
    """Connection details of a running PostgreSQL server and Kafka cluster."""

    database_url: str
    kafka_bootstrap: str
    kind: str
    postgres: EmbeddedPostgres | None = None
    """The embedded server, when this stack started one: fault tests restart it."""
    broker: EmbeddedBroker | None = None
    """The embedded broker, when this stack started one: fault tests pause it."""

    async def create_database(self, dbname: str) -> str:
        """Create `dbname` on this server if missing and return its DSN."""
        return await _create_database(self.database_url, dbname)

    def database_url_for(self, dbname: str) -> str:
        """Blocking: create `dbname` on this server if missing and return its DSN."""
        return create_database_sync(self.database_url, dbname)


def docker_available() -> bool:
    """Whether a Docker engine answers a ping within a few seconds; never raises."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:  # no SDK, no socket, permission denied, timeout...
        log.debug("no Docker engine: %s", exc)
        return False


def detect_kind() -> str:
    """Return the stack kind to use: settings from env, else testcontainers, else embedded."""
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return "settings"
    return "testcontainers" if docker_available() else "embedded"


@contextlib.contextmanager
def start_stack(workdir: Path, *, kind: str | None = None) -> Iterator[Stack]:
    """Start (or locate) PostgreSQL and Kafka, yield a Stack, and stop what was started on exit."""
    kind = kind or detect_kind()
    if kind not in KINDS:
        raise ValueError(f"unknown stack kind {kind!r}; expected one of {KINDS}")
    log.info("starting %s stack", kind)
    with contextlib.ExitStack() as stack:
        if kind == "settings":
            yield Stack(*_from_settings(), kind=kind)
        elif kind == "testcontainers":
            yield Stack(*_start_containers(stack), kind=kind)
        else:
            postgres, broker = _start_embedded(stack, Path(workdir))
            yield Stack(postgres.dsn, broker.bootstrap, kind, postgres, broker)


def _from_settings() -> tuple[str, str]:
    try:
        return os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    except KeyError as exc:
        raise RuntimeError(f"stack kind 'settings' needs env {exc.args[0]}") from None


def _start_containers(stack: contextlib.ExitStack) -> tuple[str, str]:
    try:
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.15 keeps them at the old, now deprecated, paths
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

    postgres = stack.enter_context(PostgresContainer(POSTGRES_IMAGE, driver=None))
    kafka = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
    return postgres.get_connection_url(), kafka.get_bootstrap_server()


def _start_embedded(stack: contextlib.ExitStack,
                    workdir: Path) -> tuple[EmbeddedPostgres, EmbeddedBroker]:
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = stack.enter_context(EmbeddedPostgres(workdir / "pgdata"))
    broker = stack.enter_context(EmbeddedBroker(workdir))
    return postgres, broker
