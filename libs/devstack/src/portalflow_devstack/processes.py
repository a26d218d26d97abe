"""Child processes that die with us, and small helpers to run them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Self, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int) -> Callable[[], None] | None:
    """Return a preexec_fn that makes the child receive `sig` when this process dies (Linux only).

    The kernel ties PR_SET_PDEATHSIG to the *thread* that forked the child, so it is only set when
    spawning from the main thread; a child started from a short-lived thread would otherwise be
    killed as soon as that thread ends.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def log_tail(path: Path, offset: int = 0, limit: int = 4000) -> str:
    """Return the end of a log file written since `offset`."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return data[-limit:].decode(errors="replace")


def _descendants(pid: int) -> list[Any]:
    """Return psutil handles of all descendants of `pid` (empty if it is gone)."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def terminate(proc: subprocess.Popen[bytes], signals: list[int], timeout: float) -> None:
    """Send each signal in turn until the process exits, then SIGKILL it and its descendants."""
    import psutil

    leftovers = _descendants(proc.pid)
    for sig in signals:
        if proc.poll() is not None:
            break
        leftovers += _descendants(proc.pid)
        proc.send_signal(sig)
        proc.send_signal(signal.SIGCONT)  # a SIGSTOPped process handles nothing until continued
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("pid %s ignored signal %s for %.1fs", proc.pid, sig, timeout)
    if proc.poll() is None:
        leftovers += _descendants(proc.pid)
        proc.kill()
        proc.wait()
    for child in leftovers:
        with contextlib.suppress(psutil.Error):
            child.kill()
    psutil.wait_procs(leftovers, timeout=timeout)


class ChildProcess:
    """Base of a server run as a child process in its own session, its output appended to a log.

    A subclass provides `label`, `log_path`, `start()` (which calls `_spawn`) and `stop()` (which
    calls `_terminate`); `process` may also be a dataclass field of the subclass.
    """

    label: str  # names the process in log lines and errors
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log_offset = 0  # where this run's output starts in the log

    @property
    def pid(self) -> int | None:
        """PID of the running process, or None."""
        return self.process.pid if self.running else None

    @property
    def running(self) -> bool:
        """Whether the process is alive (also when stopped with SIGSTOP)."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(
        self,
        cmd: list[str],
        *,
        death_signal: int,
        ready: Callable[[], bool],
        timeout: float,
        **popen: Any,
    ) -> None:
        """Start `cmd` and wait until `ready()`; stop it if it exits or `timeout` passes first."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:  # the child keeps its own handle
            self._log_offset = out.tell()
            self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(death_signal),
                **popen,
            )
        log.info("started %s (pid %s)", self.label, self.process.pid)
        try:
            self._wait_until(ready, timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.label} exited with {self.process.returncode} during startup:\n"
                    + log_tail(self.log_path, self._log_offset)
                )
            if ready():
                return
            time.sleep(0.05)
        raise TimeoutError(
            f"{self.label} not ready after {timeout}s:\n"
            + log_tail(self.log_path, self._log_offset)
        )

    def _terminate(self, signals: list[int], timeout: float) -> None:
        """Stop the process with `terminate`; idempotent."""
        proc, self.process = self.process, None
        if proc is not None:
            terminate(proc, signals, timeout)
            log.info("%s stopped (rc=%s)", self.label, proc.returncode)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run the coroutine made by `factory` to completion, also when called inside a running loop."""

    async def main() -> T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()
