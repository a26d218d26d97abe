"""Config save: a substate's whole portal config saved again and again, one after the other."""

from __future__ import annotations

import time

from portalflow_bench.seed import EDITED, Admin, Flow
from portalflow_bench.stats import percentile, summary


async def config_saves(admin: Admin, flow: Flow, count: int) -> dict:
    """Latency of `count` sequential PUTs of a substate's portal config (the httpx client's
    own time included: well under a millisecond)."""
    path = (f"/v1/opportunity-types/{flow.opportunity_type_id}/substates/"
            f"{flow.substates[EDITED]}/portal")
    latencies, failed = [], 0
    for revision in range(count):
        body = {"public_name": {"es": EDITED}, "panel": "installer-visit",
                "description": {"es": f"Paso {EDITED}, revisión {revision}"}}
        started = time.perf_counter()
        response = await admin.client.put(path, json=body)
        latencies.append((time.perf_counter() - started) * 1000)
        failed += response.is_error
    tenth = max(1, count // 10)  # does a save slow down as the flow's stream grows?
    return {**summary(latencies), "failed": failed,
            "p50_first_tenth_ms": percentile(latencies[:tenth], 50),
            "p50_last_tenth_ms": percentile(latencies[-tenth:], 50)}
