"""config-service and portal-service as child processes, as `make run` and the tests use them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .processes import ChildProcess

CONFIG_SERVICE, PORTAL_SERVICE = "config-service", "portal-service"
COMMANDS = {CONFIG_SERVICE: "portalflow-config", PORTAL_SERVICE: "portalflow-portal"}


@dataclass
class ServiceProcess(ChildProcess):
    """One service, served by uvicorn on 127.0.0.1:`port`, its output in `log_dir`."""

    name: str
    port: int
    env: dict[str, str]
    log_dir: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self, ready_timeout: float = 60.0, *, until_ready: bool = True) -> None:
        """Start the service and wait until `/readyz` answers 200 (or, not `until_ready`,
        until its HTTP port answers at all)."""
        executable = Path(sys.executable).with_name(COMMANDS[self.name])
        self._spawn(
            [str(executable), "serve", "--port", str(self.port)],
            # Its parent is gone, and with it the embedded servers: nothing left to drain to.
            death_signal=signal.SIGKILL,
            ready=self._ready if until_ready else self._answers,
            timeout=ready_timeout,
            env={**os.environ, **self.env},
        )

    def stop(self, timeout: float = 15.0) -> None:
        """Stop gracefully (SIGTERM: in-flight work finishes, the consumer leaves its group)."""
        self._terminate([signal.SIGTERM], timeout)

    def readiness(self) -> dict | None:
        """The `/readyz` answer's body, or None while the port does not answer."""
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).json()
        except httpx.HTTPError:
            return None

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


def service_env(database_url: str, kafka_bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment a service reads its settings from."""
    return {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, **extra}
