"""Rebuild: valid events produced straight to the topics, then `portalflow-ops rebuild-read-model`
timed into a fresh database. Producing through the services would take longer than the rebuild."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from portalflow_bench.harness import SRC, Harness, child_env
from portalflow_contracts.envelope import Envelope, to_kafka
from portalflow_contracts.events.flow import (
    OpportunityTypeCreated,
    StateDefinition,
    SubstateDefinition,
)
from portalflow_contracts.events.opportunity import OfferIssued, OpportunityOpened
from portalflow_eventing.kafka import producer

OFFERS_EACH = 4  # an opportunity is 1 + 4 events
OPS_SRC = SRC.parents[1] / "ops" / "src"  # libs/ops/src, beside this package
REPORTED = re.compile(r"(\d+)\s+events\s+applied,\s+(\d+)\s+skipped.*?(\d+)\s+failed", re.S)


def ops_command() -> tuple[list[str], dict[str, str]] | str:
    """How to run portalflow-ops here, or why it cannot be run."""
    installed = Path(sys.executable).with_name("portalflow-ops")
    if installed.exists():
        return [str(installed)], child_env()
    if not OPS_SRC.is_dir():
        return "portalflow-ops is neither installed nor in libs/ops"
    path = os.pathsep.join(p for p in (str(OPS_SRC), os.environ.get("PYTHONPATH")) if p)
    env = child_env(PYTHONPATH=path)
    probe = subprocess.run([sys.executable, "-c", "import portalflow_ops.cli"], env=env,
                           capture_output=True, text=True)
    if probe.returncode:
        return f"portalflow-ops cannot start: {probe.stderr.strip().splitlines()[-1]}"
    return [sys.executable, "-m", "portalflow_ops.cli"], env


def synthetic(org_id: str, count: int) -> Iterator[Envelope]:
    """An opportunity type, then opportunities on it with their offers: `count` events or more."""
    type_id, substate_id = f"type-{uuid4()}", f"substate-{uuid4()}"
    meta = {"source": "config-service", "org_id": org_id, "actor": "portalflow-bench"}
    yield Envelope.wrap(OpportunityTypeCreated(
        opportunity_type_id=type_id, name="Bench", states=(StateDefinition(
            state_id=f"state-{uuid4()}", name="Oferta",
            substates=(SubstateDefinition(substate_id=substate_id, name="Oferta enviada"),)),)),
        subject=type_id, correlation_id=str(uuid4()), **meta)
    for number in range(-(-(count - 1) // (1 + OFFERS_EACH))):
        opportunity_id, correlation = str(uuid4()), str(uuid4())
        yield Envelope.wrap(OpportunityOpened(
            opportunity_id=opportunity_id, opportunity_type_id=type_id, substate_id=substate_id,
            title=f"Casa {number}", locale="es"),
            subject=opportunity_id, correlation_id=correlation, **meta)
        for kw in range(OFFERS_EACH):
            yield Envelope.wrap(OfferIssued(
                opportunity_id=opportunity_id, offer_id=str(uuid4()), title=f"{6 + kw} kW",
                amount=Decimal(9000 + 1500 * kw), currency="EUR"),
                subject=opportunity_id, correlation_id=correlation, **meta)


async def produce(bootstrap: str, org_id: str, count: int) -> int:
    """Append the synthetic events to their topics (acks=all); return how many."""
    sender = producer(bootstrap)
    await sender.start()
    try:
        acks = []
        for envelope in synthetic(org_id, count):
            headers, key, value = to_kafka(envelope)
            acks.append(await sender.send(envelope.topic, value, key=key, headers=headers))
        await asyncio.gather(*acks)
        return len(acks)
    finally:
        await sender.stop()


async def _run(*command: str, env: dict[str, str]) -> tuple[int, str, float]:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = await process.communicate()
    return process.returncode, output.decode(errors="replace"), time.perf_counter() - started


async def rebuild(harness: Harness, events: int) -> dict:
    """Time the rebuild of a fresh read model from every event on the topics."""
    command = ops_command()
    if isinstance(command, str):
        return {"skipped": command}
    ops, env = command
    env["COLUMNS"] = "300"  # one summary line, however the console wraps
    produced = await produce(harness.stack.kafka_bootstrap, f"bench-{harness.suffix}", events)
    dsn = await harness.stack.create_database(f"bench_rebuild_{harness.suffix}")
    portal = str(Path(sys.executable).with_name("portalflow-portal"))
    code, output, _ = await _run(portal, "migrate", env={**env, "DATABASE_URL": dsn})
    if code:
        raise RuntimeError(f"portalflow-portal migrate failed:\n{output}")
    _, _, startup = await _run(sys.executable, "-c", "import portalflow_ops.cli, "
                               "portalflow_ops.rebuild", env=env)
    code, output, seconds = await _run(
        *ops, "rebuild-read-model", "--database-url", dsn, "--bootstrap-servers",
        harness.stack.kafka_bootstrap, "--group", f"bench-rebuild-{harness.suffix}", "--yes",
        env=env)
    found = REPORTED.search(output)
    if not found:
        raise RuntimeError(f"portalflow-ops rebuild-read-model exited {code}:\n{output[-3000:]}")
    applied, skipped, failed = map(int, found.groups())
    return {"produced": produced, "events": applied + skipped, "applied": applied,
            "skipped": skipped, "failed": failed, "exit_code": code, "seconds": seconds,
            "per_second": (applied + skipped) / seconds, "startup_seconds": startup,
            "per_second_after_startup": (applied + skipped) / max(seconds - startup, 1e-9)}
