"""The result table: each figure beside its baseline, their ratio, the target and PASS/FAIL."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass

from portalflow_bench.profiles import TARGET_RATE

SERVICES = ("config-service", "portal-service")
MB = 1e6 / 2**20  # MiB per MB: procstats reports MiB


@dataclass
class Row:
    scenario: str
    figure: str
    unit: str
    value: float | None
    baseline: float | None = None
    baseline_of: str = ""  # what the baseline is
    target: str = ""
    result: str = ""  # PASS, FAIL, SKIP (no figure) or "" (no target)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


def _get(results: dict, *path: str) -> float | None:
    node = results
    for key in path:
        if not isinstance(node, dict) or node.get(key) is None:
            return None
        node = node[key]
    return node


def _judge(row: Row, limit: float | None, test: Callable[[float, float], bool],
           target: str) -> Row:
    row.target = target
    if row.value is None or limit is None:
        row.result = "SKIP"
    else:
        row.result = "PASS" if test(row.value, limit) else "FAIL"
    return row


def _why_missing(results: dict, scenario: str) -> str:
    found = results.get(scenario)
    if found is None:
        return "not run"
    return found.get("error") or found.get("skipped") or ""


def rows(results: dict) -> list[Row]:
    """Every row of the table, in a fixed order, from a run's raw results."""
    g = lambda *path: _get(results, *path)  # noqa: E731
    c1, c8 = g("baselines", "commits_1", "per_second"), g("baselines", "commits_8", "per_second")
    c1_p50, c1_p99 = g("baselines", "commits_1", "p50_ms"), g("baselines", "commits_1", "p99_ms")
    kafka, bare = g("baselines", "kafka", "per_second"), g("reads", "bare", "per_second")
    hop_p50 = g("baselines", "hop_services", "p50_ms")
    table = [
        Row("baseline", "Postgres commits, 1 connection", "commits/s", c1),
        Row("baseline", "Postgres commit p50, 1 connection", "ms", c1_p50),
        Row("baseline", "Postgres commit p99, 1 connection", "ms", c1_p99),
        Row("baseline", "Postgres commits, 8 connections", "commits/s", c8),
        Row("baseline", "Postgres commit max, 8 connections", "ms",
            g("baselines", "commits_8", "max_ms"),
            note="the longest one: a stall of the disk's fsync would show here"),
        Row("baseline", "Kafka produce→consume, acks=all", "msgs/s", kafka),
        Row("baseline", "Kafka hop p50, aiokafka defaults", "ms",
            g("baselines", "hop_default", "p50_ms"),
            note="one record at a time, fetch_max_wait_ms=500: what a fetch waits on this broker"),
        Row("baseline", "Kafka hop p50, the services' fetch wait", "ms", hop_p50,
            note=f"fetch_max_wait_ms={g('baselines', 'hop_services', 'fetch_max_wait_ms')}"
                 " (KAFKA_FETCH_MAX_WAIT_MS)"),
        *_broker_cpu(results),
        Row("baseline", "bare FastAPI+asyncpg one-row read", "req/s", bare),
        Row("baseline", "bare read p99", "ms", g("reads", "bare", "p99_ms")),
        _judge(Row("portal view", "reads", "req/s", g("reads", "portal", "per_second"), bare,
                   "bare req/s"), bare and 0.7 * bare, operator.ge, "≥ 70% of bare"),
        Row("portal view", "p50", "ms", g("reads", "portal", "p50_ms"),
            g("reads", "bare", "p50_ms"), "bare p50"),
        _judge(Row("portal view", "p99", "ms", g("reads", "portal", "p99_ms"),
                   g("reads", "bare", "p99_ms"), "bare p99"), 50, operator.lt, "< 50 ms"),
        _judge(Row("action→visible", "p50 at fixed rate", "ms", g("actions", "p50_ms"),
                   _twice(hop_p50), "2 hops p50"), 50, operator.lt, "< 50 ms"),
        _judge(Row("action→visible", "p99 at fixed rate", "ms", g("actions", "p99_ms"),
                   _twice(g("baselines", "hop_services", "p99_ms")), "2 hops p99"),
               250, operator.lt, "< 250 ms"),
        _judge(Row("action→visible", "highest sustained rate", "actions/s",
                   g("sustained", "sustained_rate"), c8, "8-conn commits/s"),
               TARGET_RATE, operator.ge, f"≥ {TARGET_RATE}/s"),
        _judge(Row("rebuild", "read model from the topics", "events/s",
                   g("rebuild", "per_second"), kafka, "Kafka msgs/s"),
               10_000, operator.ge, "≥ 10,000/s"),
        Row("config save", "p50 (sequential)", "ms", g("saves", "p50_ms"), c1_p50, "commit p50"),
        _judge(Row("config save", "p99 (sequential)", "ms", g("saves", "p99_ms"), c1_p99,
                   "commit p99"), 50, operator.lt, "< 50 ms"),
    ]
    bare_rss = g("memory", "bare-app")
    for service in SERVICES:
        table.append(_judge(Row("memory", f"{service} peak RSS", "MB",
                                _mb(g("memory", service)), _mb(bare_rss), "bare app RSS"),
                            200, operator.lt, "< 200 MB"))
    _annotate(table, results)
    return table


def _broker_cpu(results: dict) -> list[Row]:
    """The broker's CPU for the target rate of one-record batches, on a fresh topic and on one
    holding about as many batches as the services' topics do by the sustained test's 300/s."""
    fresh, stored = (_get(results, "broker", name) or {}
                     for name in ("fresh_topic", "stored_topic"))
    rate = stored.get("rate", TARGET_RATE)

    def row(figure: str, found: dict, baseline: float | None = None,
            baseline_of: str = "") -> Row:
        cpu = found.get("broker_cpu")
        notes = []
        if found.get("count"):
            if cpu is None:
                notes.append("CPU not measured: the broker is not one this run started")
            notes.append(f"hop p50 {_cell(found['p50_ms'])} / p99 {_cell(found['p99_ms'])} ms")
        return Row("baseline", figure, "% of a core", None if cpu is None else 100 * cpu,
                   baseline, baseline_of, note="; ".join(notes))

    on_fresh = row(f"broker CPU at {rate} records/s, fresh topic", fresh)
    held = f"{stored['stored_batches']:,}" if "stored_batches" in stored else "many"
    on_stored = row(f"broker CPU at {rate} records/s, {held} batches stored", stored,
                    on_fresh.value, "fresh topic")
    return [on_fresh, on_stored]


def _twice(value: float | None) -> float | None:
    """An action crosses the broker twice: customer event, then the substate change."""
    return None if value is None else 2 * value


def _mb(mib: float | None) -> float | None:
    return None if mib is None else mib / MB


def _annotate(table: list[Row], results: dict) -> None:
    """Notes a reader needs to trust a figure: why it is missing, what limited it."""
    scenario_of = {"portal view": "reads", "action→visible": "actions", "rebuild": "rebuild",
                   "config save": "saves", "memory": "memory", "baseline": "baselines"}
    for row in table:
        source = scenario_of[row.scenario]
        if row.figure == "highest sustained rate":
            source = "sustained"
        if row.figure.startswith("broker CPU"):
            source = "broker"
        if row.value is None:
            row.note = row.note or _why_missing(results, source)
    sustained = results.get("sustained", {})
    if sustained.get("steps"):
        marks = ", ".join(f"{s['rate']}{'✓' if s['sustained'] else '✗'}"
                          for s in sustained["steps"])
        note = f"steps {marks}" + (" (highest step tried: more may pass)"
                                   if sustained.get("capped") else "")
        next(r for r in table if r.figure == "highest sustained rate").note = note
    fixed = results.get("actions", {})
    if fixed.get("sent") and not fixed.get("sustained"):
        next(r for r in table if r.figure == "p50 at fixed rate").note = (
            f"not sustained at {fixed['rate']}/s: {fixed['visible_on_time']} of {fixed['sent']}"
            f" visible by 1 s after the last send, {fixed['failed']} failed")
    if (rebuilt := results.get("rebuild", {})).get("events"):
        next(r for r in table if r.scenario == "rebuild").note = (
            f"{rebuilt['events']:,} events in {rebuilt['seconds']:.1f} s incl. "
            f"{rebuilt['startup_seconds']:.1f} s process start; {rebuilt['failed']} failed")
    reads = results.get("reads", {})
    if "cpu" in reads.get("portal", {}):
        cpu = reads["portal"]["cpu"]
        next(r for r in table if r.figure == "reads").note = ", ".join(
            f"{name} {share:.0%}" for name, share in cpu.items()) + " of a core"


def _cell(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def markdown(table: list[Row]) -> str:
    """The table as Markdown, notes in the last column."""
    lines = ["| Scenario | Figure | Value | Baseline | Ratio | Target | Result | Note |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table:
        baseline = f"{_cell(row.baseline)} ({row.baseline_of})" if row.baseline_of else ""
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        lines.append(f"| {row.scenario} | {row.figure} | {_cell(row.value, row.unit)} | "
                     f"{baseline} | {ratio} | {row.target} | {row.result} | {row.note} |")
    return "\n".join(lines)


def as_json(table: list[Row]) -> list[dict]:
    return [{**asdict(row), "ratio": row.ratio} for row in table]
