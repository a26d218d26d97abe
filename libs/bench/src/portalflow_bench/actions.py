"""Customer action → visible transition: a fixed arrival rate, then steps up to the limit."""

from __future__ import annotations

import asyncio
import logging
import time

from portalflow_bench.driver import generate
from portalflow_bench.harness import Harness
from portalflow_bench.profiles import Profile
from portalflow_bench.seed import ACCEPTED, Admin, Flow, Opportunity, wait_projected
from portalflow_bench.stats import percentile, summary

log = logging.getLogger("portalflow-bench")

GRACE = 1.0  # seconds after the last send by which a sustained step has shown (nearly) all
MAX_ERRORS = 0.005  # share of actions refused or failed that a sustained step tolerates
TIMEOUT = 30.0  # seconds after the last send to wait for stragglers


def action_specs(flow: Flow, opportunities: list[Opportunity]) -> list[dict]:
    """What the generator sends: accept the first offer, then watch the view."""
    return [{"accept": f"/v1/portal/opportunities/{o.opportunity_id}/offers/"
                       f"{o.offer_ids[0]}/accept",
             "view": f"/v1/portal/opportunities/{o.opportunity_id}",
             "headers": {"Authorization": f"Bearer {o.token}"},
             "opportunity_id": o.opportunity_id, "target": flow.substates[ACCEPTED]}
            for o in opportunities]


def evaluate(result: dict, rate: float, seconds: float) -> dict:
    """Latency summary, and whether the step was sustained (see docs/BENCHMARKS.md)."""
    actions = result["actions"]
    failed = [a for a in actions if "error" in a or a.get("status") != 202]
    seen = [a for a in actions if a.get("visible_ms") is not None]
    on_time = [a for a in seen if a["due"] + a["visible_ms"] / 1000 <= seconds + GRACE]
    third = max(1, len(actions) // 3)

    def thirds(q: int) -> dict:
        return {f"p{q}_{name}_third_ms": percentile(
            [a["visible_ms"] for a in part if a.get("visible_ms") is not None], q)
            for name, part in (("first", actions[:third]), ("last", actions[-third:]))}

    # Latency is climbing when the typical action of the last third waits much longer than
    # that of the first: a growing backlog moves the median, a stall of the disk does not.
    medians = thirds(50)
    first, last = medians["p50_first_third_ms"], medians["p50_last_third_ms"]
    whole = summary([a["visible_ms"] for a in seen])
    sustained = (len(failed) <= MAX_ERRORS * len(actions) and len(on_time) >= 0.99 * len(actions)
                 and whole["p99_ms"] is not None and whole["p99_ms"] < 1000
                 and last is not None and first is not None and last <= 2 * first + 50)
    return {"rate": rate, "sent": len(actions), "failed": len(failed), "visible": len(seen),
            "visible_on_time": len(on_time), **whole, **medians, **thirds(99),
            "send_lag_p99_ms": percentile(
                [a["lag_ms"] for a in actions], 99),
            "post_p99_ms": percentile([a["post_ms"] for a in actions if "post_ms" in a], 99),
            "detector_polls_per_second": result["detector_polls"] / result["elapsed"],
            "sustained": sustained, "errors": sorted({a.get("error") or f"HTTP {a['status']}"
                                                      for a in failed})[:5]}


async def _prepare(admin: Admin, harness: Harness, flow: Flow, count: int) -> list[Opportunity]:
    started = time.perf_counter()
    opportunities = await admin.open_many(flow, count)
    await wait_projected(harness.databases["portal"], opportunities)
    log.info("%d opportunities opened and projected in %.1f s", count,
             time.perf_counter() - started)
    await asyncio.sleep(1.0)  # let the last relay and consumer rounds settle
    return opportunities


async def _send(harness: Harness, flow: Flow, opportunities: list[Opportunity], rate: float,
                profile: Profile) -> dict:
    return await generate({
        "mode": "open", "host": "127.0.0.1", "port": harness.portal.port, "rate": rate,
        "actions": action_specs(flow, opportunities), "watch": profile.watch,
        "poll_ms": profile.view_poll_ms, "sweep_ms": profile.sweep_ms,
        "read_model_dsn": harness.databases["portal"], "timeout": TIMEOUT}, harness.workdir)


async def fixed_rate(harness: Harness, admin: Admin, flow: Flow, profile: Profile) -> dict:
    """Actions at `profile.action_rate`, each watched until the customer's view shows it."""
    rate, seconds = profile.action_rate, profile.action_seconds
    opportunities = await _prepare(admin, harness, flow, round(rate * seconds))
    result = await _send(harness, flow, opportunities, rate, profile)
    return evaluate(result, rate, seconds)


async def step_up(harness: Harness, admin: Admin, flow: Flow, profile: Profile) -> dict:
    """Rates in turn until one is not sustained."""
    steps = []
    for rate in profile.step_rates:
        opportunities = await _prepare(admin, harness, flow, round(rate * profile.step_seconds))
        result = await _send(harness, flow, opportunities, rate, profile)
        steps.append(evaluate(result, rate, profile.step_seconds))
        log.info("%d actions/s: p50 %.0f ms, p99 %.0f ms, %d of %d visible on time → %s", rate,
                 steps[-1]["p50_ms"] or -1, steps[-1]["p99_ms"] or -1,
                 steps[-1]["visible_on_time"], steps[-1]["sent"],
                 "sustained" if steps[-1]["sustained"] else "not sustained")
        if not steps[-1]["sustained"]:
            break
    passed = [step["rate"] for step in steps if step["sustained"]]
    return {"sustained_rate": max(passed, default=0), "steps": steps,
            "capped": len(passed) == len(profile.step_rates)}
