"""A service killed outright and started again answers HTTP before its consumers have joined;
SIGTERM stops one within its bound whatever its servers are doing."""

import signal

import httpx
from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually, running_services


def test_a_killed_portal_answers_reads_while_its_group_join_is_pending(stack, tmp_path):
    # The dead member stays in its group until its session times out: a long timeout keeps the
    # restarted one's join pending for seconds after its port opens, whatever the machine's speed.
    with running_services(stack, tmp_path, KAFKA_SESSION_TIMEOUT_MS="15000",
                          BLOB_STORE_PATH=str(tmp_path / "blobs")) as services:
        admin = services.admin()
        flow = configure_flow(admin)
        opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
        path = f"/v1/portal/opportunities/{opportunity_id}"
        customer = services.customer(token)
        eventually(lambda: customer.get(path).status_code == 200, 60)

        killed = services.portal.process
        killed.kill()
        killed.wait()
        services.portal.start(until_ready=False)  # returns once its port answers

        view = customer.get(path)
        readiness = services.portal.readiness()
        assert view.status_code == 200, view.text
        assert view.json()["current"]["substate_id"] == flow.substates["Documentación"]
        assert readiness["status"] == 503, readiness
        assert readiness["checks"]["consumers"] == "joining", readiness
        assert readiness["checks"]["database"] == "ok", readiness

        # And the group join does complete: the portal becomes ready and applies new events.
        eventually(lambda: services.portal.readiness()["checks"]["consumers"] == "ok", 60)
        ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                      json={"substate_id": flow.substates["Visita"], "reason": "after"}))
        eventually(lambda: customer.get(path).json()["current"]["substate_id"]
                   == flow.substates["Visita"], 30)
        assert httpx.get(f"{services.portal.url}/readyz").status_code == 200


def test_sigterm_stops_a_service_within_its_bound_with_the_broker_unanswering(own_broker,
                                                                              tmp_path):
    with running_services(own_broker, tmp_path, SHUTDOWN_TIMEOUT_SECONDS="6",
                          BLOB_STORE_PATH=str(tmp_path / "blobs")) as services:
        admin = services.admin()
        configure_flow(admin)  # events in flight for the relay and consumers
        own_broker.broker.pause()  # gone without a word: every request to it waits
        for service in (services.config, services.portal):
            process = service.process
            # Past the bound the stop escalates to SIGKILL, and the exit status says so;
            # uvicorn, done, ends by the signal it caught.
            service.stop(timeout=12)
            assert process.returncode == -signal.SIGTERM, (service.name, process.returncode)
