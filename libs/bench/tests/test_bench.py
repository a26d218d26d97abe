"""The benchmark runs end to end in its quick mode and reports a number for every figure."""

import json
import os
import subprocess
import sys
from numbers import Number
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"  # importable before the workspace is locked

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
