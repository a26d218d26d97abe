"""Portal view reads against the bare app: the same generator, connections and durations."""

from __future__ import annotations

import logging

from portalflow_bench import bare_app
from portalflow_bench.driver import generate
from portalflow_bench.harness import Harness
from portalflow_bench.profiles import Profile
from portalflow_bench.seed import Opportunity

log = logging.getLogger("portalflow-bench")


def _infrastructure(harness: Harness) -> dict[str, int]:
    """The embedded servers' pids, to report the CPU they used beside the server's."""
    servers = {"postgres": harness.stack.postgres, "broker": harness.stack.broker}
    return {name: server.pid for name, server in servers.items() if server and server.pid}


async def _closed(harness: Harness, profile: Profile, port: int, pid: int,
                  targets: list[dict]) -> dict:
    return await generate({
        "mode": "closed", "host": "127.0.0.1", "port": port, "targets": targets,
        "connections": profile.connections, "warmup": profile.read_warmup,
        "seconds": profile.read_seconds, "watch": {"server": pid, **_infrastructure(harness)},
    }, harness.workdir)


async def view_reads(harness: Harness, profile: Profile,
                     opportunities: list[Opportunity]) -> dict:
    """Requests/s and latency of the customer view, and of the bare one-row endpoint."""
    rows = await bare_app.seed(harness.databases["bare"], len(opportunities))
    log.info("reading the bare app")
    bare = await _closed(harness, profile, harness.bare.port, harness.bare.pid,
                         [{"path": f"/v1/rows/{row}", "headers": {}} for row in rows])
    log.info("reading portal views")
    portal = await _closed(harness, profile, harness.portal.port, harness.portal.pid, [
        {"path": f"/v1/portal/opportunities/{o.opportunity_id}",
         "headers": {"Authorization": f"Bearer {o.token}"}} for o in opportunities])
    return {"bare": bare, "portal": portal}
