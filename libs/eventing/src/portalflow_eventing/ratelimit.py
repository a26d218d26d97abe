"""Rate limits per caller (a customer's token, an admin subject), in this process's memory."""

import math
import time
from collections import deque
from itertools import repeat

import limits
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp

from portalflow_eventing.problems import problem


class EventLoopStorage(Storage, MovingWindowSupport):
    """`limits` moving windows for callers on one event loop: each key's request times in a
    deque, trimmed when the key is used, and keys idle for a whole window swept now and then.

    limits' own MemoryStorage expires entries from a thread it starts again every 10 ms while
    requests come, and that thread takes the GIL from the event loop on every hot read (see
    `make bench`'s portal reads). Not thread-safe: one event loop uses it.
    """

    STORAGE_SCHEME = ["portalflow-event-loop"]
    SWEEP_SECONDS = 60.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.events: dict[str, deque[float]] = {}
        self.longest = 0.0
        self.swept = time.time()

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count `amount` requests of `key` unless that would pass `limit` within `expiry` s."""
        now = time.time()
        events = self.events.get(key)
        if events is None:
            events = self.events[key] = deque()
        while events and events[0] <= now - expiry:
            events.popleft()
        if len(events) + amount > limit:
            return False
        events.extend(repeat(now, amount))
        self.longest = max(self.longest, expiry)
        if now - self.swept > self.SWEEP_SECONDS:
            self._sweep(now)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The oldest request of `key` still in its window, and how many are."""
        now = time.time()
        inside = [at for at in self.events.get(key, ()) if at > now - expiry]
        return (inside[0], len(inside)) if inside else (now, 0)

    def _sweep(self, now: float) -> None:
        self.swept = now
        idle = [key for key, events in self.events.items()
                if not events or events[-1] <= now - self.longest]
        for key in idle:
            del self.events[key]

    def clear(self, key: str) -> None:
        self.events.pop(key, None)

    def reset(self) -> int | None:
        count, self.events = len(self.events), {}
        return count

    def check(self) -> bool:
        return True

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("only moving windows are kept here")

    def get(self, key: str) -> int:
        raise NotImplementedError("only moving windows are kept here")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("only moving windows are kept here")


class RateLimit:
    """Moving windows over one caller's requests, e.g. `20/second;1200/minute`."""

    def __init__(self, spec: str) -> None:
        self.items = limits.parse_many(spec)
        self.limiter = MovingWindowRateLimiter(EventLoopStorage())

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
