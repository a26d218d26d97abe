"""Percentiles and summaries of latency samples (milliseconds)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile (0–100) by the nearest-rank method; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: Sequence[float], seconds: float | None = None) -> dict:
    """Count, p50, p99, max and, given the window's length, the rate per second."""
    result = {"count": len(samples), "p50_ms": percentile(samples, 50),
              "p99_ms": percentile(samples, 99), "max_ms": max(samples, default=None)}
    if seconds:
        result["per_second"] = len(samples) / seconds
    return result

