"""What a run stands on: PostgreSQL and Kafka, both services and the bare app, fresh databases."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from portalflow_devstack.processes import free_port
from portalflow_devstack.services import (
    CONFIG_SERVICE,
    PORTAL_SERVICE,
    ServiceProcess,
    service_env,
)
from portalflow_devstack.stack import Stack, start_stack

BARE_APP = "bare-app"
SRC = Path(__file__).resolve().parents[1]  # for `python -m portalflow_bench...` children


def child_env(**extra: str) -> dict[str, str]:
    """Our environment, with this package importable also before it is installed."""
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


@dataclass
class BareApp(ServiceProcess):
    """The bare FastAPI + asyncpg app, served like a service but by `portalflow_bench.bare_app`."""

    def start(self, ready_timeout: float = 30.0) -> None:
        """Start the app and wait until `/readyz` answers 200."""
        self._spawn([sys.executable, "-m", "portalflow_bench.bare_app", "--port", str(self.port)],
                    death_signal=signal.SIGTERM, ready=self._ready, timeout=ready_timeout,
                    env=child_env(**self.env))


@dataclass
class Harness:
    stack: Stack
    workdir: Path
    suffix: str
    databases: dict[str, str]  # "config", "portal", "bare" → DSN
    config: ServiceProcess
    portal: ServiceProcess
    bare: BareApp

    def pids(self) -> dict[str, int]:
        """The processes whose memory is watched, by name."""
        return {p.name: p.pid for p in (self.config, self.portal, self.bare) if p.pid}


@contextlib.contextmanager
def running(workdir: Path) -> Iterator[Harness]:
    """Start the stack (as `make run` picks it), both services and the bare app; stop them all."""
    settings = os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    suffix = uuid4().hex[:8]
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with start_stack(workdir, kind="settings" if settings else "embedded") as stack, \
            contextlib.ExitStack() as started:  # unwinds first: processes stop before the stack
        databases = {role: stack.database_url_for(f"bench_{role}_{suffix}")
                     for role in ("config", "portal", "bare")}
        services = []
        for name, role in ((CONFIG_SERVICE, "config"), (PORTAL_SERVICE, "portal")):
            service = ServiceProcess(name, free_port(), service_env(
                databases[role], stack.kafka_bootstrap, BLOB_STORE_PATH=str(workdir / "blobs")),
                logs)
            started.callback(service.stop)
            service.start()
            services.append(service)
        bare = BareApp(BARE_APP, free_port(), {"BENCH_DATABASE_URL": databases["bare"]}, logs)
        started.callback(bare.stop)
        bare.start()
        yield Harness(stack, workdir, suffix, databases, *services, bare)
