"""`portalflow-bench`: both services under load beside the bare limits; one table, also JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import psutil

from portalflow_bench import harness, machine, report
from portalflow_bench.profiles import FULL, QUICK, Profile
from portalflow_bench.run import SCENARIOS, STACKS, merged, run

log = logging.getLogger("portalflow-bench")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="portalflow-bench", description=__doc__, epilog=(
        "The stack is the one `make run` uses: the servers in DATABASE_URL and "
        "KAFKA_BOOTSTRAP_SERVERS if both are set (the rebuild scenario then appends synthetic "
        "events to their topics), else an embedded PostgreSQL and broker in a temp dir. "
        "Method: docs/BENCHMARKS.md."))
    root.add_argument("--quick", action="store_true",
                      help="a tiny run that proves everything works; its figures mean nothing")
    root.add_argument("--out", type=Path, default=Path("bench-results/latest.json"),
                      help="where to write the JSON result (default: %(default)s)")
    root.add_argument("--workdir", type=Path,
                      help="keep the embedded servers' data and the logs here "
                           "(default: a temp dir, removed afterwards)")
    root.add_argument("--watch", choices=("probe", "view"), default="probe",
                      help="how an action is seen: the read model's row, read when portal-service "
                           "notifies a change of it, then one GET of the view confirms it "
                           "(default); or GET every view every "
                           "10 ms, which loads the portal more than the actions do")
    root.add_argument("--check", action="store_true",
                      help="exit 1 when a target is missed (default: exit 0 once it ran)")
    root.add_argument("--only", metavar="NAMES",
                      help=f"comma-separated scenarios to run (default: all of "
                           f"{','.join(SCENARIOS)})")
    return root


def _selected(only: str | None) -> set[str]:
    names = set(only.split(",")) if only else set(SCENARIOS)
    if unknown := names - set(SCENARIOS):
        raise SystemExit(f"unknown scenario(s) {sorted(unknown)}; choose from {SCENARIOS}")
    return names


def measure(profile: Profile, workdir: Path, selected: set[str]) -> dict:
    """Start a stack, run its scenarios, stop it (for each of `STACKS` selected); return the
    JSON document."""
    meta, results, started = machine.describe(), {}, psutil.cpu_times()
    for number, names in enumerate(STACKS, start=1):
        if not selected & set(names):
            continue
        with harness.running(workdir / f"stack-{number}") as running:
            meta.update(stack=running.stack.kind, postgres=asyncio.run(
                machine.postgres_version(running.databases["bare"])))
            results = merged(results, asyncio.run(run(running, profile,
                                                      selected & set(names))))
    meta["load_average_after"] = machine.describe()["load_average"]
    meta["steal_percent"] = machine.steal_percent(started)
    table = report.rows(results)
    return {"meta": meta, "profile": asdict(profile), "rows": report.as_json(table),
            "markdown": report.markdown(table), "results": results}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table; write the JSON."""
    args = parser().parse_args(argv)
    selected = _selected(args.only)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="portalflow-bench-"))
    try:
        profile = replace(QUICK if args.quick else FULL, watch=args.watch)
        document = measure(profile, workdir.resolve(), selected)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, default=str) + "\n")
    meta = document["meta"]
    print(f"\nportalflow-bench ({'quick' if args.quick else 'full'}), {meta['time']}, "
          f"{meta['stack']} stack, {meta['cores']} × {meta['cpu']}, load "
          f"{meta['load_average']} → {meta['load_average_after']}, CPU time stolen by the "
          f"hypervisor {meta['steal_percent']}%\n")
    print(document["markdown"])
    print(f"\nJSON: {args.out}")
    failed = any(row["result"] == "FAIL" for row in document["rows"])
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
