"""The benchmark runs end to end in its quick mode and reports a number for every figure."""

import json
import os
import subprocess
import sys
from numbers import Number
from pathlib import Path

import pytest

from portalflow_bench.run import merged

SRC = Path(__file__).resolve().parents[1] / "src"  # the child's import path, before install

# The only figure allowed to be missing: it needs `portalflow-ops`, which may not be installed.
MAY_SKIP = {"rebuild"}


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_a_quick_run_reports_every_figure_with_its_baseline_and_verdict(tmp_path):
    out = tmp_path / "latest.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)}
    run = subprocess.run(
        [sys.executable, "-m", "portalflow_bench.cli", "--quick", "--out", str(out),
         "--workdir", str(tmp_path / "work")],
        env=env, capture_output=True, text=True, timeout=580)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    document = json.loads(out.read_text())

    rows = document["rows"]
    assert {row["scenario"] for row in rows} == {
        "baseline", "portal view", "action→visible", "rebuild", "config save", "memory"}
    for row in rows:
        if row["scenario"] in MAY_SKIP and row["result"] == "SKIP":
            assert row["note"], f"{row['figure']} skipped without saying why"
            continue
        assert isinstance(row["value"], Number), row
        assert row["value"] >= 0, row
        if row["baseline_of"]:
            assert isinstance(row["baseline"], Number) and isinstance(row["ratio"], Number), row
        if row["target"]:
            assert row["result"] in ("PASS", "FAIL"), row
    assert document["meta"]["cores"] >= 1 and document["profile"]["name"] == "quick"
    assert "| portal view | reads |" in run.stdout  # the table is printed too


def test_two_stacks_results_keep_the_higher_peak_and_pool_the_services_means():
    first = {"reads": {"rps": 1}, "memory": {"portal-service": 120.0, "bare-app": 60.0},
             "service_metrics": {"portal-service": {"h a": {"count": 1, "mean_ms": 4.0}}}}
    second = {"sustained": {"rate": 300}, "memory": {"portal-service": 110.0, "config": 90.0},
              "service_metrics": {"portal-service": {"h a": {"count": 3, "mean_ms": 2.0},
                                                     "h b": {"count": 2, "mean_ms": 1.0}}}}

    both = merged(first, second)

    assert both["reads"] == {"rps": 1} and both["sustained"] == {"rate": 300}
    assert both["memory"] == {"portal-service": 120.0, "bare-app": 60.0, "config": 90.0}
    assert both["service_metrics"] == {"portal-service": {
        "h a": {"count": 4, "mean_ms": 2.5}, "h b": {"count": 2, "mean_ms": 1.0}}}
    assert merged({}, second) == second
