"""How much of everything a run does: the full benchmark, or a quick one that proves it runs."""

from __future__ import annotations

from dataclasses import dataclass

TARGET_RATE = 300  # actions/s the sustained test must reach; the broker baselines run at it


@dataclass(frozen=True)
class Profile:
    name: str
    view_opportunities: int  # distinct customer views read in turn
    connections: int  # concurrent connections of the read test
    read_warmup: float  # seconds, not measured
    read_seconds: float
    action_rate: int  # actions/s of the fixed-rate latency test
    action_seconds: float
    step_rates: tuple[int, ...]  # the sustained-rate test, in order; stops at the first failure
    step_seconds: float
    config_saves: int
    commit_seconds: float  # each raw-commit baseline
    kafka_messages: int  # raw produce→consume baseline
    hop_samples: int  # records timed one at a time through the broker, per consumer setting
    rebuild_events: int
    stored_batches: int  # one-record batches a topic holds before TARGET_RATE records/s pass
    stored_seconds: float  # how long they pass, through it and through a fresh topic
    watch: str = "probe"  # how an action is seen: "probe" (read model, then one GET) or "view"
    view_poll_ms: float = 10.0  # how often a view is read again until it shows the action
    sweep_ms: float = 100.0  # how often the probe reads every pending row, notified or not


FULL = Profile("full", view_opportunities=200, connections=32, read_warmup=3, read_seconds=15,
               action_rate=100, action_seconds=20,
               step_rates=(50, 100, 200, 300, 400, 500, 600, 800), step_seconds=10,
               config_saves=200, commit_seconds=5, kafka_messages=50_000, hop_samples=40,
               rebuild_events=100_000, stored_batches=33_000, stored_seconds=5)

QUICK = Profile("quick", view_opportunities=20, connections=32, read_warmup=0.3, read_seconds=1,
                action_rate=100, action_seconds=0.5, step_rates=(100, 200), step_seconds=0.5,
                config_saves=20, commit_seconds=0.5, kafka_messages=2_000, hop_samples=5,
                rebuild_events=2_000, stored_batches=600, stored_seconds=0.5)
