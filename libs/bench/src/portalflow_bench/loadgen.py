"""The load generator, a process of its own: `python -m portalflow_bench.loadgen SPEC.json`.

It prints one JSON result on stdout. Running apart from the orchestrator keeps the
orchestrator's work (seeding, memory sampling) off its event loop, and lets it be pinned to a
core of its own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import resource
import sys
from collections import Counter
from time import perf_counter

from portalflow_bench import openloop, procstats
from portalflow_bench.rawhttp import Connection, ProtocolError, encode
from portalflow_bench.stats import summary

FAILURES = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError)


def cpu_seconds() -> float:
    """CPU time this process has used so far, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def closed_loop(spec: dict) -> dict:
    """`connections` workers, each sending the next GET as soon as the last one is answered."""
    host, port, connections = spec["host"], spec["port"], spec["connections"]
    requests = [encode("GET", t["path"], f"{host}:{port}", t["headers"]) for t in spec["targets"]]
    measure_from = perf_counter() + spec["warmup"]
    stop = measure_from + spec["seconds"]
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def worker(index: int) -> None:
        conn = await Connection.open(host, port)
        sent = index
        while (begun := perf_counter()) < stop:
            raw = requests[sent % len(requests)]
            sent += connections
            try:
                status, _ = await conn.request(raw)
            except FAILURES as error:
                errors[type(error).__name__] += 1
                conn.close()
                conn = await Connection.open(host, port)
                continue
            ended = perf_counter()
            if begun >= measure_from and ended <= stop:
                if status == 200:
                    latencies.append((ended - begun) * 1000)
                else:
                    errors[f"HTTP {status}"] += 1
        conn.close()

    async def cpu_in_window() -> dict[str, float]:
        """Cores used in the measured window by this generator and each watched process."""
        await asyncio.sleep(max(0.0, measure_from - perf_counter()))
        readers = {"generator": cpu_seconds} | {
            name: functools.partial(procstats.cpu_seconds, pid)
            for name, pid in spec.get("watch", {}).items()}
        before = {name: read() for name, read in readers.items()}
        await asyncio.sleep(max(0.0, stop - perf_counter()))
        return {name: (read() - before[name]) / spec["seconds"]
                for name, read in readers.items()}

    cpu = asyncio.create_task(cpu_in_window())
    await asyncio.gather(*(worker(i) for i in range(connections)))
    return {**summary(latencies, spec["seconds"]), "errors": dict(errors), "cpu": await cpu}


def _pin() -> None:
    """Keep to the last core, so that the kernel keeps the server on the others."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:
        os.sched_setaffinity(0, {cores[-1]})


def main() -> None:
    """Run the spec given as the first argument; print the result as JSON."""
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    if spec.get("pin", True):
        _pin()
    run = {"closed": closed_loop, "open": openloop.open_loop}[spec["mode"]]
    try:
        import uvloop
    except ImportError:  # plain asyncio works, at a higher CPU cost per request
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
