"""Tests of the embedded PostgreSQL and Tansu servers and of the stack selection."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from portalflow_devstack.broker import EmbeddedBroker
from portalflow_devstack.postgres import EmbeddedPostgres, dsn_for_database
from portalflow_devstack.stack import detect_kind, start_stack
from portalflow_eventing.kafka import ensure_topics

pytestmark = pytest.mark.integration  # they start the servers themselves

SERVER_NAMES = ("postgres", "tansu")


def _server_descendants() -> list[str]:
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if any(name in proc.name() for name in SERVER_NAMES) and proc.status() != "zombie":
                found.append(f"{proc.pid}:{proc.name()}")
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture(autouse=True)
def no_leftover_servers():
    """Fail a test that leaves a postgres or tansu child process behind (the session's own
    servers, started before, do not count)."""
    before = set(_server_descendants())
    yield
    assert set(_server_descendants()) <= before


@pytest.fixture
def postgres(tmp_path: Path):
    with EmbeddedPostgres(tmp_path / "pgdata", settings={"fsync": "off"}) as server:
        yield server


@pytest.fixture
def broker(tmp_path: Path):
    with EmbeddedBroker(tmp_path) as server:
        yield server


async def _fetch(dsn: str, query: str):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_postgres_create_database_query_and_restart(postgres: EmbeddedPostgres) -> None:
    dsn = postgres.create_database("app-db")
    assert dsn == dsn_for_database(postgres.dsn, "app-db")
    assert postgres.create_database("app-db") == dsn  # idempotent
    assert await _fetch(dsn, "SELECT current_database()") == "app-db"
    assert await _fetch(dsn, "SHOW fsync") == "off"
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)")
    await conn.close()

    old_pid = postgres.pid
    assert postgres.restart() == postgres.dsn
    assert postgres.pid != old_pid and not psutil.pid_exists(old_pid)
    assert await _fetch(dsn, "SELECT sum(v) FROM t") == 42


async def test_postgres_defaults_and_idempotent_stop(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    dsn = server.start()
    assert dsn.startswith("postgresql://postgres@/postgres?host=")
    assert await _fetch(dsn, "SHOW fsync") == "on"
    server.stop()
    server.stop()
    assert not server.running and server.pid is None


def test_postgres_reports_startup_failure(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata", settings={"no_such_setting": "1"})
    with pytest.raises(RuntimeError, match="no_such_setting"):
        server.start()
    assert not server.running


async def test_broker_topics_produce_consume_pause_resume(broker: EmbeddedBroker) -> None:
    bootstrap = broker.bootstrap
    await ensure_topics(bootstrap, {"devstack.test": 3})
    await ensure_topics(bootstrap, {"devstack.test": 3})  # already exists: no error

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            "devstack.test", b"hello", key=b"k1", headers=[("event-type", b"greeting")]
        )
        consumer = AIOKafkaConsumer(
            "devstack.test",
            bootstrap_servers=bootstrap,
            group_id="devstack-test",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), timeout=30)
        finally:
            await consumer.stop()
        assert record.value == b"hello" and record.key == b"k1"
        assert list(record.headers) == [("event-type", b"greeting")]

        broker.pause()
        assert broker.paused
        deadline = time.monotonic() + 5  # SIGSTOP is delivered asynchronously
        while psutil.Process(broker.pid).status() != psutil.STATUS_STOPPED:
            assert time.monotonic() < deadline, "the broker did not stop"
            time.sleep(0.01)
        broker.resume()
        meta = await asyncio.wait_for(producer.send_and_wait("devstack.test", b"again"), 30)
        assert meta.offset >= 0
    finally:
        await producer.stop()


def test_broker_stop_is_idempotent_and_works_when_paused(tmp_path: Path) -> None:
    broker = EmbeddedBroker(tmp_path)
    bootstrap = broker.start()
    assert bootstrap == f"127.0.0.1:{broker.port}"
    pid = broker.pid
    broker.pause()
    broker.stop()
    broker.stop()
    assert not psutil.pid_exists(pid) and broker.pid is None
    assert (tmp_path / "tansu.log").exists()


_ORPHAN_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import psutil
    from portalflow_devstack.broker import EmbeddedBroker
    from portalflow_devstack.postgres import EmbeddedPostgres
    root = Path(sys.argv[1])
    pg = EmbeddedPostgres(root / "pgdata", settings={"fsync": "off"})
    pg.start()
    broker = EmbeddedBroker(root)
    broker.start()
    backends = [p.pid for p in psutil.Process(pg.pid).children(recursive=True)]
    print(json.dumps([pg.pid, broker.pid, *backends]), flush=True)
    time.sleep(120)
    """
)


def test_servers_die_with_a_hard_killed_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    pids: list[int] = []
    try:
        line = parent.stdout.readline()
        assert line, "child script failed to start servers"
        pids = json.loads(line)
        assert len(pids) > 2  # postmaster, broker and postgres auxiliary processes
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while any(psutil.pid_exists(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(psutil.pid_exists(p) for p in pids)
    finally:
        for pid in pids:
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()


def test_detect_kind_prefers_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/x")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert detect_kind() == "settings"


async def test_embedded_stack(tmp_path: Path) -> None:
    with start_stack(tmp_path, kind="embedded") as stack:
        assert stack.kind == "embedded"
        dsn = stack.database_url_for("portal")
        assert await stack.create_database("portal") == dsn
        assert await _fetch(dsn, "SELECT current_database()") == "portal"
        await ensure_topics(stack.kafka_bootstrap, {"devstack.stack": 2})
