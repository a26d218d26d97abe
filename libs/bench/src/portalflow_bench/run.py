"""One benchmark run: scenarios in turn on a harness, memory sampled throughout."""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Awaitable, Callable

from portalflow_bench import actions, baselines, metrics, reads, rebuild, saves
from portalflow_bench.harness import Harness
from portalflow_bench.procstats import PeakMemory
from portalflow_bench.profiles import TARGET_RATE, Profile
from portalflow_bench.seed import Admin, wait_projected
from portalflow_eventing.settings import EventingSettings

log = logging.getLogger("portalflow-bench")

SCENARIOS = ("baselines", "reads", "saves", "actions", "sustained", "rebuild")
STACKS = (("baselines", "reads", "saves", "actions"), ("sustained", "rebuild"))
"""The scenarios that share a stack. The sustained steps start on one of their own: the
embedded broker's fetches cost more with every batch a topic holds (docs/BENCHMARKS.md), so
the fixed-rate actions' history slowed them, and their figures depended on the scenarios run
before them."""


async def _guarded(results: dict, name: str, step: Callable[[], Awaitable[dict]]) -> None:
    """Run one scenario; a failure is recorded in its place and the run goes on."""
    log.info("%s…", name)
    try:
        results[name] = await step()
    except Exception as error:  # a broken scenario must not hide the others' figures
        log.error("%s failed: %s", name, error)
        results[name] = {"error": f"{type(error).__name__}: {error}",
                         "traceback": traceback.format_exc(limit=5)}


async def _baselines(harness: Harness, profile: Profile) -> dict:
    dsn, seconds = harness.databases["bare"], profile.commit_seconds
    bootstrap, topic = harness.stack.kafka_bootstrap, _raw_topic(harness)
    fetch_wait = services_fetch_wait()
    return {"commits_1": await baselines.commits(dsn, 1, seconds),
            "commits_8": await baselines.commits(dsn, 8, seconds),
            "kafka": await baselines.produce_consume(bootstrap, topic, profile.kafka_messages),
            "hop_default": await baselines.hop_latency(bootstrap, f"{topic}.hop",
                                                       profile.hop_samples),
            "hop_services": {"fetch_max_wait_ms": fetch_wait,
                             **await baselines.hop_latency(bootstrap, f"{topic}.hop",
                                                           profile.hop_samples, fetch_wait)}}


async def _broker(harness: Harness, profile: Profile) -> dict:
    """The broker's CPU at the target rate, after the services stopped (their idle fetches
    would count) and last but the rebuild (the batches it stores must not slow the others)."""
    topic, fetch_wait = _raw_topic(harness), services_fetch_wait()
    broker_pid = harness.stack.broker.pid if harness.stack.broker else None

    async def at_target_rate(suffix: str, stored: int) -> dict:
        return await baselines.stored_batches(
            harness.stack.kafka_bootstrap, f"{topic}.{suffix}", stored, TARGET_RATE,
            profile.stored_seconds, fetch_wait, broker_pid)
    return {"fresh_topic": await at_target_rate("fresh", 0),
            "stored_topic": await at_target_rate("stored", profile.stored_batches)}


def _raw_topic(harness: Harness) -> str:
    """The prefix of this run's baseline topics: the services never read them."""
    return f"bench.raw.{harness.suffix}"


def services_fetch_wait() -> int:
    """The services' KAFKA_FETCH_MAX_WAIT_MS: from the environment they inherit, or default."""
    default = EventingSettings.model_fields["kafka_fetch_max_wait_ms"].default
    return int(os.environ.get("KAFKA_FETCH_MAX_WAIT_MS", default))


def merged(results: dict, more: dict) -> dict:
    """The results of two stacks as one: each process's peak memory is the higher of the two,
    the services' histograms count both and their means are weighted by the counts."""
    both = {**results, **more}
    if "memory" in results and "memory" in more:
        first, second = results["memory"], more["memory"]
        both["memory"] = {name: max(first.get(name, 0), second.get(name, 0))
                          for name in first | second}
    first, second = results.get("service_metrics"), more.get("service_metrics")
    if first and second and "error" not in first and "error" not in second:
        both["service_metrics"] = {
            service: {key: _pooled(first.get(service, {}).get(key), series)
                      for key, series in (first.get(service, {}) | second[service]).items()}
            for service in first | second}
    return both


def _pooled(first: dict | None, second: dict) -> dict:
    if not first:
        return second
    count = first["count"] + second["count"]
    return {"count": count, "mean_ms": (first["count"] * first["mean_ms"]
                                        + second["count"] * second["mean_ms"]) / count}


async def run(harness: Harness, profile: Profile, selected: set[str]) -> dict:
    """Run the `selected` scenarios in a fixed order on one stack; return their raw results."""
    results: dict = {}
    memory = PeakMemory(harness.pids())
    memory.start()
    admin = Admin(harness.config.url, f"bench-{harness.suffix}")
    try:
        if "baselines" in selected:
            await _guarded(results, "baselines", lambda: _baselines(harness, profile))
        flow = await admin.configure_flow()
        if "reads" in selected:
            async def read_views() -> dict:
                viewed = await admin.open_many(flow, profile.view_opportunities)
                await wait_projected(harness.databases["portal"], viewed)
                return await reads.view_reads(harness, profile, viewed)
            await _guarded(results, "reads", read_views)
        if "saves" in selected:  # on a flow of its own: saves lengthen the flow's stream
            async def save_configs() -> dict:
                return await saves.config_saves(admin, await admin.configure_flow("Config saves"),
                                                profile.config_saves)
            await _guarded(results, "saves", save_configs)
        if "actions" in selected:
            await _guarded(results, "actions",
                           lambda: actions.fixed_rate(harness, admin, flow, profile))
        if "sustained" in selected:
            await _guarded(results, "sustained",
                           lambda: actions.step_up(harness, admin, flow, profile))
        await _guarded(results, "service_metrics", lambda: metrics.scrape(
            {s.name: s.url for s in (harness.config, harness.portal)}))
    finally:
        await admin.close()
        results["memory"] = await memory.stop()
    # The rebuild appends events straight to the topics: nothing may consume them live.
    for service in (harness.portal, harness.config):
        await asyncio.to_thread(service.stop)
    if "baselines" in selected:
        await _guarded(results, "broker", lambda: _broker(harness, profile))
    if "rebuild" in selected:
        await _guarded(results, "rebuild",
                       lambda: rebuild.rebuild(harness, profile.rebuild_events))
    return results
