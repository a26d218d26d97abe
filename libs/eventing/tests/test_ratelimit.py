"""Moving windows per caller, kept for one event loop."""

import time

from portalflow_eventing.ratelimit import EventLoopStorage, RateLimit


def test_a_caller_past_its_window_waits_and_others_do_not():
    limit = RateLimit("3/minute")
    assert [limit.retry_after("org", "ana") for _ in range(3)] == [None] * 3
    assert 59 <= limit.retry_after("org", "ana") <= 60
    assert limit.retry_after("org", "bea") is None
    assert limit.retry_after("other-org", "ana") is None


def test_the_window_moves(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    limit = RateLimit("2/second;3/minute")
    assert [limit.retry_after("t") for _ in range(3)] == [None, None, 1]
    now[0] += 1.5  # the second's window has moved past both
    assert limit.retry_after("t") is None
    assert limit.retry_after("t") == 59  # the minute's: its oldest leaves at +60 s


def test_idle_callers_are_swept(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    storage = EventLoopStorage()
    for caller in ("a", "b"):
        assert storage.acquire_entry(caller, 5, 60)
    now[0] += 30
    assert storage.acquire_entry("b", 5, 60)
    now[0] += 40  # "a" idle for 70 s, "b" for 40 s: the next sweep forgets only "a"
    assert storage.acquire_entry("c", 5, 60)
    assert set(storage.events) == {"b", "c"}
