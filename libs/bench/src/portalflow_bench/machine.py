"""What the run ran on, recorded beside its figures."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime

import asyncpg
import psutil


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe() -> dict:
    """CPU, cores, memory, Python and the load average, now."""
    return {"time": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu": _cpu_model(), "cores": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _total(times: psutil._common.scputimes) -> float:
    """All CPU time; Linux counts the guests' time in user and nice already."""
    return sum(times) - getattr(times, "guest", 0) - getattr(times, "guest_nice", 0)


def steal_percent(since: psutil._common.scputimes) -> float | None:
    """The share (%) of the CPU time since `since` (a `psutil.cpu_times()`) that the
    hypervisor gave to other machines; None where the system does not report it. Figures of
    runs with very different shares are not comparable."""
    now = psutil.cpu_times()
    if not hasattr(now, "steal"):
        return None
    elapsed = _total(now) - _total(since)
    return round(100 * (now.steal - since.steal) / elapsed, 1) if elapsed > 0 else 0.0


async def postgres_version(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
