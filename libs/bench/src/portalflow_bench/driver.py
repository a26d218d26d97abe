"""Runs the load generator process and reads back its result."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from portalflow_bench.harness import child_env
from portalflow_devstack.processes import die_with_parent


class GeneratorError(RuntimeError):
    """The load generator exited without a result."""


async def generate(spec: dict, workdir: Path) -> dict:
    """Run one load-generator spec in its own process; return what it measured."""
    path = workdir / f"loadgen-{uuid4().hex[:8]}.json"
    path.write_text(json.dumps(spec))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "portalflow_bench.loadgen", str(path), env=child_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=die_with_parent(signal.SIGKILL))
    output, errors = await process.communicate()
    if process.returncode:
        raise GeneratorError(f"load generator exited {process.returncode}:\n"
                             f"{errors.decode(errors='replace')[-3000:]}")
    return json.loads(output)
