"""Rate limits per caller (a customer's token, an admin subject), in this process's memory."""

import math
import time

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp

from portalflow_eventing.problems import problem


class RateLimit:
    """Moving windows over one caller's requests, e.g. `20/second;1200/minute`."""

    def __init__(self, spec: str) -> None:
        self.items = limits.parse_many(spec)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, *caller: str) -> int | None:
        """Count one request of `caller`: None within every window, else seconds to wait."""
        for item in self.items:
            if not self.limiter.hit(item, *caller):
                reset = self.limiter.get_window_stats(item, *caller).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None


def too_many(retry_after: int, who: str) -> ASGIApp:
    """429 naming the limit that was passed and when to try again."""
    return problem(429, f"too many requests for this {who}; try again in {retry_after} s",
                   headers={"Retry-After": str(retry_after)})
