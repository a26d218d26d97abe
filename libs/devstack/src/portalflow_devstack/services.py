"""config-service and portal-service as child processes, as `make run` and the tests use them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .processes import die_with_parent, log_tail, terminate

CONFIG_SERVICE, PORTAL_SERVICE = "config-service", "portal-service"
COMMANDS = {CONFIG_SERVICE: "portalflow-config", PORTAL_SERVICE: "portalflow-portal"}


@dataclass
class ServiceProcess:
    """One service, served by uvicorn on 127.0.0.1:`port`, its output in `log_dir`."""

    name: str
    port: int
    env: dict[str, str]
    log_dir: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self, ready_timeout: float = 60.0) -> None:
        """Start the service and wait until `/readyz` answers 200."""
        executable = Path(sys.executable).with_name(COMMANDS[self.name])
        self.log_dir.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(executable), "serve", "--port", str(self.port)],
                env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGTERM), start_new_session=True)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n"
                                   f"{log_tail(self.log_path, offset)}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{self.name} not ready after {ready_timeout}s:\n"
                           f"{log_tail(self.log_path, offset)}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop gracefully (SIGTERM: in-flight work finishes, the consumer leaves its group)."""
        if self.process is not None:
            terminate(self.process, [signal.SIGTERM], timeout)
            self.process = None


def service_env(database_url: str, kafka_bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment a service reads its settings from."""
    return {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, **extra}
