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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
_PG_SYSTEM_USER = "embedded_postgres"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin



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


