"""Resident memory and CPU time of the processes under test, read with psutil."""

from __future__ import annotations

import asyncio
import contextlib

import psutil


def _family(pid: int) -> list[psutil.Process]:
    """The process and its descendants (uvicorn serves in-process, but be safe)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def rss_bytes(pid: int) -> int:
    """Resident set size of the process and its descendants now."""
    total = 0
    for process in _family(pid):
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by the process and its descendants, user and system."""
    total = 0.0
    for process in _family(pid):
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class PeakMemory:
    """Samples the RSS of named processes every `interval` seconds while running; keeps peaks."""

    def __init__(self, pids: dict[str, int], interval: float = 0.25) -> None:
        self.pids, self.interval = pids, interval
        self.peaks = dict.fromkeys(pids, 0)
        self.samples = 0
        self._task: asyncio.Task | None = None

    def sample(self) -> None:
        for name, pid in self.pids.items():
            self.peaks[name] = max(self.peaks[name], rss_bytes(pid))
        self.samples += 1

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        """Stop sampling; return each process's peak in MiB."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()
        return {name: peak / 2**20 for name, peak in self.peaks.items()}
