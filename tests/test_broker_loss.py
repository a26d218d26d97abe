"""A broker that restarts empty under load is refilled by the services themselves: every view
as before plus the new actions, every action applied once, every topic with its partitions."""

import concurrent.futures
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.topics import CUSTOMER_EVENTS, OPPORTUNITIES, PARTITIONS
from portalflow_devstack.broker import EmbeddedBroker
from portalflow_devstack.processes import run_sync
from portalflow_devstack.services import COMMANDS
from portalflow_devstack.testing import eventually, read_back, running_services

pytestmark = pytest.mark.timeout(240)


def view(customer: httpx.Client, opportunity_id: str) -> dict | None:
    response = customer.get(f"/v1/portal/opportunities/{opportunity_id}")
    return response.json() if response.status_code == 200 else None


def substate(customer: httpx.Client, opportunity_id: str) -> str | None:
    current = (view(customer, opportunity_id) or {}).get("current")
    return current and current["substate_id"]


def accept(customer: httpx.Client, opportunity_id: str, offer_id: str) -> None:
    """Accept the offer, asking again while the connection breaks."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            ok(customer.post(f"/v1/portal/opportunities/{opportunity_id}/offers/{offer_id}"
                             "/accept"), 202)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"offer {offer_id} of {opportunity_id} could not be accepted")


async def partition_counts(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # Listed first: describing a missing topic could auto-create it.
        present = set(await admin.list_topics()) & set(PARTITIONS)
        return {meta["topic"]: len(meta["partitions"])
                for meta in await admin.describe_topics(sorted(present))}
    finally:
        await admin.close()


def test_a_broker_restarted_empty_is_refilled_and_nothing_is_applied_twice(own_broker,
                                                                           tmp_path):
    with running_services(own_broker, tmp_path, TOPIC_CHECK_INTERVAL_SECONDS="1",
                          BLOB_STORE_PATH=str(tmp_path / "blobs")) as services:
        check(services, own_broker.broker)


def check(services, broker: EmbeddedBroker) -> None:
    admin = services.admin()
    flow = configure_flow(admin)
    opened = [open_with_access(admin, flow, "Oferta enviada") for _ in range(10)]
    customers = [services.customer(token) for _, token, _ in opened]
    accepted = flow.substates["Oferta aceptada"]
    before, during = list(range(4)), list(range(4, 10))
    for i in before:
        accept(customers[i], opened[i][0], opened[i][2][0])
    for i, (opportunity_id, _, _) in enumerate(opened):
        target = accepted if i in before else flow.substates["Oferta enviada"]
        eventually(lambda c=customers[i], o=opportunity_id, t=target: substate(c, o) == t, 60)
    views = {i: view(customers[i], opened[i][0]) for i in before}

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        actions = []
        for n, i in enumerate(during):  # a stream of actions, across the loss
            actions.append(pool.submit(accept, customers[i], opened[i][0], opened[i][2][1]))
            if n == 2:
                broker.stop()  # every topic, record and committed offset gone
                broker.start()  # the same port, empty
            time.sleep(0.3)
        for action in actions:
            action.result()

    for i, (opportunity_id, _, _) in enumerate(opened):
        eventually(lambda c=customers[i], o=opportunity_id: substate(c, o) == accepted, 90)
    for i, before_view in views.items():
        assert view(customers[i], opened[i][0]) == before_view
    for opportunity_id, _, _ in opened:
        changes = [c["type"].split(".")[2] for c in
                   ok(admin.get(f"/v1/opportunities/{opportunity_id}/history"))]
        assert changes.count("offer-accepted") == 1, changes
        assert changes.count("substate-changed") == 1, changes
        assert "customer-action-rejected" not in changes, changes
    assert run_sync(lambda: partition_counts(broker.bootstrap)) == PARTITIONS
    # What was published before the loss is on the topics again: a rebuild would find it.
    earlier = {opened[i][0] for i in before}
    stored = sum(len(ok(admin.get(f"/v1/opportunities/{o}/history"))) for o in earlier)
    found = run_sync(lambda: read_back(broker.bootstrap, OPPORTUNITIES, earlier, stored))
    assert len({(e.subject, e.type, e.id) for e in found}) == stored
    eventually(lambda: all(httpx.get(f"{s.url}/readyz").status_code == 200
                           for s in (services.config, services.portal)), 30)


def republish(service) -> str:
    command = Path(sys.executable).with_name(COMMANDS[service.name])
    done = subprocess.run([str(command), "republish"], env={**os.environ, **service.env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def consumed_everything(bootstrap: str, group: str) -> bool:
    from portalflow_ops.lag import lag

    return all(row.lag == 0 for row in run_sync(lambda: lag(bootstrap, [group])))


def test_the_republish_commands_publish_every_stored_event_again_and_change_nothing(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, (offer_id, _) = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)
    eventually(lambda: substate(customer, opportunity_id) == flow.substates["Oferta enviada"], 60)
    accept(customer, opportunity_id, offer_id)
    eventually(lambda: substate(customer, opportunity_id) == flow.substates["Oferta aceptada"],
               60)
    history = ok(admin.get(f"/v1/opportunities/{opportunity_id}/history"))
    bootstrap = services.stack.kafka_bootstrap

    assert "events again" in republish(services.config)
    assert "events again" in republish(services.portal)
    copies = run_sync(lambda: read_back(bootstrap, OPPORTUNITIES, {opportunity_id},
                                        2 * len(history)))
    assert set(Counter(e.id for e in copies).values()) == {2}, copies
    actions = run_sync(lambda: read_back(bootstrap, CUSTOMER_EVENTS, {opportunity_id}, 2))
    assert len(actions) == 2 and actions[0].id == actions[1].id

    # A change after the copies, on the same partition: once it shows, they were consumed.
    ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                  json={"substate_id": flow.substates["Visita"], "reason": "after"}))
    eventually(lambda: substate(customer, opportunity_id) == flow.substates["Visita"], 30)
    eventually(lambda: consumed_everything(bootstrap, "config-service"), 30)
    after = ok(admin.get(f"/v1/opportunities/{opportunity_id}/history"))
    assert after[:len(history)] == history
    assert [c["type"].split(".")[2] for c in after[len(history):]] == ["substate-changed"]
