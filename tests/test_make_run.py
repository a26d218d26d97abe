"""`make run` end to end: `portalflow-dev run` serves the seeded demo and leaves nothing behind."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_contracts.values import ExternalAction, PanelKey
from portalflow_devstack.demo_data import FLOW
from portalflow_devstack.processes import free_port, run_sync
from portalflow_devstack.testing import eventually, read_back

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

STARTUP_DEADLINE, STOP_DEADLINE = 90.0, 60.0
OFFER_TEXTS = next(texts for _, _, substates in FLOW for _, panel, _, texts in substates
                   if panel == "offer")  # {locale: (public name, description)}


def _forward_lines(proc: subprocess.Popen, lines: queue.Queue) -> None:
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _read_until_customer_token(proc: subprocess.Popen, stderr_log: Path) -> dict[str, str]:
    """The `key: value` lines printed up to `customer token:`, or fail at the deadline."""
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_forward_lines, args=(proc, lines), daemon=True).start()
    printed: dict[str, str] = {}
    deadline = time.monotonic() + STARTUP_DEADLINE
    while "customer token" not in printed:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            line = None
        if line is None:
            pytest.fail(f"no `customer token:` line within {STARTUP_DEADLINE}s "
                        f"(rc={proc.poll()}):\n{stderr_log.read_text()[-4000:]}")
        key, sep, value = line.strip().partition(": ")
        if sep:
            printed[key] = value
    return printed


def _offer_view(url: str, token: str, locale: str) -> dict:
    """The portal view once it shows both offers (the projection catches up asynchronously)."""
    response = httpx.get(url, headers={"Authorization": f"Bearer {token}",
                                       "Accept-Language": locale}, timeout=5)
    assert response.status_code == 200, response.text
    view = response.json()
    panel = (view["current"] or {}).get("panel") or {}
    assert len(panel.get("offers") or []) == 2, view
    return view


def _stop(proc: subprocess.Popen) -> None:
    """Stop a `make run` still running (a test that failed early) the way a user would."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _embedded_env() -> tuple[dict[str, str], int, int]:
    """`make run`'s environment with ports of its own and no servers given: the embedded ones."""
    config_port, portal_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    env.update(CONFIG_PORT=str(config_port), PORTAL_PORT=str(portal_port))
    return env, config_port, portal_port


def test_make_run_serves_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    env, config_port, portal_port = _embedded_env()
    proc, printed, stderr_log = _start_run(tmp_path, env, "portalflow-dev.log")
    try:
        assert printed["config-service"] == f"http://127.0.0.1:{config_port}/docs"
        assert printed["portal-service"] == f"http://127.0.0.1:{portal_port}/docs"
        opportunity_id, customer_token = printed["demo opportunity"], printed["customer token"]

        url = f"http://127.0.0.1:{portal_port}/v1/portal/opportunities/{opportunity_id}"
        view = eventually(lambda: _offer_view(url, customer_token, "es"), timeout=30)
        current = view["current"]
        assert current["panel"]["key"] == "offer"
        assert current["public_name"] == OFFER_TEXTS["es"][0]
        assert {o["status"] for o in current["panel"]["offers"]} == {"open"}
        italian = eventually(lambda: _offer_view(url, customer_token, "it"), timeout=10)
        assert italian["current"]["public_name"] == OFFER_TEXTS["it"][0]

        admin = httpx.Client(base_url=f"http://127.0.0.1:{config_port}", timeout=5,
                             headers={"Authorization": f"Bearer {printed['admin token']}"})
        opportunity = admin.get(f"/v1/opportunities/{opportunity_id}").raise_for_status().json()
        flow = admin.get(f"/v1/opportunity-types/{opportunity['opportunity_type_id']}")
        flow = flow.raise_for_status().json()
        panels = {sub["portal"]["panel"] for state in flow["states"]
                  for sub in state["substates"] if sub["portal"]}
        assert panels - {None} == {p.value for p in PanelKey}
        assert set(flow["external_actions"]) == {a.value for a in ExternalAction}
        bindings = [(b["required"], b["read_only"]) for state in flow["states"]
                    for sub in state["substates"] if sub["portal"]
                    for b in sub["portal"]["fields"]]
        assert {(True, False), (False, False), (False, True)} <= set(bindings)
        assert any(sub["portal"]["conditions"] for state in flow["states"]
                   for sub in state["substates"] if sub["portal"])
        assert opportunity["installer"] and opportunity["contracts"] and opportunity["fields"]

        children = psutil.Process(proc.pid).children(recursive=True)
        commands = " ".join(" ".join(c.cmdline()) for c in children)
        for expected in ("postgres", "tansu", "portalflow-config", "portalflow-portal"):
            assert expected in commands, f"{expected} is not a child of portalflow-dev"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(STOP_DEADLINE) == 0, stderr_log.read_text()[-4000:]
        _, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, f"left behind: {[c.cmdline() for c in alive]}"
    finally:
        _stop(proc)


def _start_run(cwd: Path, env: dict[str, str], log_name: str,
               ) -> tuple[subprocess.Popen, dict[str, str], Path]:
    stderr_log = cwd / log_name
    with stderr_log.open("w") as stderr:
        proc = subprocess.Popen([str(Path(sys.executable).with_name("portalflow-dev")), "run"],
                                cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr,
                                text=True)
    return proc, _read_until_customer_token(proc, stderr_log), stderr_log


def _moved_on(url: str, token: str) -> dict:
    view = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
    assert (view.get("current") or {}).get("panel", {}).get("key") != "offer", view
    return view


def test_make_run_keeps_its_data_and_its_services_end_with_it(tmp_path: Path) -> None:
    env, config_port, portal_port = _embedded_env()
    proc, printed, stderr_log = _start_run(tmp_path, env, "first.log")
    try:
        opportunity_id, token = printed["demo opportunity"], printed["customer token"]
        url = f"http://127.0.0.1:{portal_port}/v1/portal/opportunities/{opportunity_id}"
        offers = eventually(lambda: _offer_view(url, token, "es"), 30)["current"]["panel"]
        accepted = offers["offers"][0]["offer_id"]
        assert httpx.post(f"{url}/offers/{accepted}/accept", timeout=5,
                          headers={"Authorization": f"Bearer {token}"}).status_code == 202
        before = eventually(lambda: _moved_on(url, token), 30)
        admin = {"Authorization": f"Bearer {printed['admin token']}"}
        field = httpx.post(f"http://127.0.0.1:{config_port}/v1/dynamic-fields", headers=admin,
                           json={"key": "kept-field", "label": {"es": "Se queda"},
                                 "type": "text"}, timeout=5)
        assert field.status_code == 201, field.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(STOP_DEADLINE) == 0, stderr_log.read_text()[-4000:]

        proc, again, stderr_log = _start_run(tmp_path, env, "second.log")
        assert (again["demo opportunity"], again["customer token"]) == (opportunity_id, token)
        after = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert after.status_code == 200 and after.json() == before
        history = httpx.get(f"http://127.0.0.1:{config_port}/v1/opportunities/"
                            f"{opportunity_id}/history", headers=admin, timeout=5).json()
        assert [c["type"].split(".")[2] for c in history].count("offer-accepted") == 1
        fields = httpx.get(f"http://127.0.0.1:{config_port}/v1/dynamic-fields", headers=admin,
                           timeout=5).json()
        assert "kept-field" in {f["key"] for f in fields}
        # The new embedded broker started empty: the services published their stores to it.
        children = psutil.Process(proc.pid).children(recursive=True)
        [tansu] = [c.cmdline() for c in children if "tansu" in " ".join(c.cmdline())]
        bootstrap = tansu[tansu.index("--listener-url") + 1].removeprefix("tcp://")
        found = run_sync(lambda: read_back(bootstrap, OPPORTUNITIES, {opportunity_id},
                                           len(history)))
        assert [e.type for e in found] == [c["type"] for c in history]

        # Killed outright, it cannot stop what it started: they must end by themselves.
        assert len(children) >= 4, [c.cmdline() for c in children]
        proc.kill()
        proc.wait()
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"left behind: {[c.cmdline() for c in alive]}"
    finally:
        _stop(proc)
