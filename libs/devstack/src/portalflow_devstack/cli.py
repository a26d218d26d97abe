"""`portalflow-dev`: run the whole system locally with a demo flow (what `make run` does)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import signal
import time
from pathlib import Path

from .demo import Demo, seed_demo
from .services import CONFIG_SERVICE, PORTAL_SERVICE, ServiceProcess, service_env
from .stack import start_stack

log = logging.getLogger("portalflow-dev")

DEMO_ORG = "demo-solar"
DATABASES = {CONFIG_SERVICE: "portalflow_config", PORTAL_SERVICE: "portalflow_portal"}
DEMO_FILE = "demo.json"


def _stop_on_signal(signum: int, _frame: object) -> None:
    """Turn the first SIGINT/SIGTERM into KeyboardInterrupt; ignore repeats while stopping."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _stop(service: ServiceProcess) -> None:
    log.info("stopping %s", service.name)
    service.stop()


def _admin_token() -> str:
    """An admin JWT for the demo org with every permission, signed like config-service checks."""
    from portalflow_config.config import Settings
    from portalflow_config.entrypoints import auth

    settings = Settings()
    return auth.mint(settings.jwt_secret, settings.jwt_audience, subject="portalflow-dev",
                     org_id=DEMO_ORG, permissions=list(auth.ALL_PERMISSIONS))


def _seeded_demo(workdir: Path, config_url: str, token: str) -> Demo:
    """The demo of an earlier run (its customer token is stored only as a hash, so it is kept
    here too), or a new one seeded now."""
    saved = workdir / DEMO_FILE
    if saved.exists():
        return Demo(**json.loads(saved.read_text()))
    log.info("seeding the demo flow through %s", config_url)
    demo = seed_demo(config_url, token)
    saved.write_text(json.dumps(dataclasses.asdict(demo)))
    return demo


def _run(args: argparse.Namespace) -> None:
    workdir = Path.cwd() / ".run"
    settings = os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    ports = {CONFIG_SERVICE: args.config_port, PORTAL_SERVICE: args.portal_port}
    if not settings and not (workdir / "pgdata").exists():
        (workdir / DEMO_FILE).unlink(missing_ok=True)  # a demo of a database that is gone
    # The embedded broker starts empty every time: the services publish their stores again.
    with start_stack(workdir, kind="settings" if settings else "embedded") as stack, \
            contextlib.ExitStack() as running:  # unwinds first: services stop before the stack
        services = {}
        for name, port in ports.items():
            env = service_env(stack.database_url_for(DATABASES[name]), stack.kafka_bootstrap,
                              BLOB_STORE_PATH=str(workdir / "blobs"))
            services[name] = ServiceProcess(name, port, env, workdir)
            running.callback(_stop, services[name])
            log.info("starting %s on port %s (log: %s)", name, port, services[name].log_path)
            services[name].start()
        config, portal = services[CONFIG_SERVICE], services[PORTAL_SERVICE]
        token = _admin_token()
        demo = _seeded_demo(workdir, config.url, token)
        print(f"Portalflow is running ({stack.kind} stack, logs in {workdir}). Ctrl-C stops it.",
              f"config-service: {config.url}/docs", f"portal-service: {portal.url}/docs",
              f"admin token: {token}", f"demo opportunity: {demo.opportunity_id}",
              f"customer token: {demo.customer_token}",
              f"curl -H 'Authorization: Bearer {demo.customer_token}' "
              f"{portal.url}/v1/portal/opportunities/{demo.opportunity_id}",
              sep="\n", flush=True)
        while all(s.process and s.process.poll() is None for s in services.values()):
            time.sleep(1)
        raise RuntimeError(f"a service exited unexpectedly; see the logs in {workdir}")


def main() -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="portalflow-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start PostgreSQL, Kafka, both services and a demo; "
                                          "Ctrl-C stops everything")
    run.add_argument("--config-port", type=int, default=int(os.environ.get("CONFIG_PORT", 8001)),
                     help="config-service port (env CONFIG_PORT, default 8001)")
    run.add_argument("--portal-port", type=int, default=int(os.environ.get("PORTAL_PORT", 8002)),
                     help="portal-service port (env PORTAL_PORT, default 8002)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness poll otherwise
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_on_signal)
    try:
        _run(args)
    except KeyboardInterrupt as stop:
        log.info("stopped by %s", stop or "SIGINT")
        return 0
    except Exception:
        log.exception("portalflow-dev run failed; everything it started is stopped")
        return 1
    return 0
