"""The guarantees under faults, against the real servers: nothing lost, nothing applied twice."""

import concurrent.futures
import time

import httpx
import pytest
from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually


@pytest.fixture
def embedded(services):
    if services.stack.broker is None or services.stack.postgres is None:
        pytest.skip("fault injection needs the embedded servers")
    return services.stack


def current_substate(customer, opportunity_id: str) -> str | None:
    response = customer.get(f"/v1/portal/opportunities/{opportunity_id}")
    current = response.json().get("current") if response.status_code == 200 else None
    return current and current["substate_id"]


def ready(service) -> int:
    try:
        return httpx.get(f"{service.url}/readyz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def test_readiness_follows_postgres_and_the_broker(services, embedded):
    embedded.broker.pause()
    try:
        eventually(lambda: ready(services.portal) == 503 and ready(services.config) == 503)
    finally:
        embedded.broker.resume()
    eventually(lambda: ready(services.portal) == 200 and ready(services.config) == 200, 30)

    embedded.postgres.stop()
    try:
        eventually(lambda: ready(services.portal) == 503 and ready(services.config) == 503)
    finally:
        embedded.postgres.start()
    eventually(lambda: ready(services.portal) == 200 and ready(services.config) == 200, 30)


def history_types(admin, opportunity_id: str) -> list[str]:
    return [c["type"].split(".")[2] for c in
            ok(admin.get(f"/v1/opportunities/{opportunity_id}/history"))]


def test_actions_taken_while_the_broker_is_away_are_applied_exactly_once(services, embedded):
    admin = services.admin()
    flow = configure_flow(admin)
    opened = [open_with_access(admin, flow, "Oferta enviada") for _ in range(4)]
    customers = [services.customer(token) for _, token, _ in opened]
    for customer, (opportunity_id, _, _) in zip(customers, opened, strict=True):
        eventually(lambda c=customer, o=opportunity_id: current_substate(c, o))

    embedded.broker.pause()
    try:
        for customer, (opportunity_id, _, (offer_id, _)) in zip(customers, opened, strict=True):
            ok(customer.post(f"/v1/portal/opportunities/{opportunity_id}/offers/{offer_id}"
                             "/accept"), 202)  # the portal's outbox keeps it
        moved, _, _ = open_with_access(admin, flow, "Documentación", offers=0)  # config's too
        eventually(lambda: ready(services.config) == 503)  # the relays really are cut off
    finally:
        embedded.broker.resume()

    accepted = flow.substates["Oferta aceptada"]
    for customer, (opportunity_id, _, _) in zip(customers, opened, strict=True):
        eventually(lambda c=customer, o=opportunity_id: current_substate(c, o) == accepted, 90)
        changes = history_types(admin, opportunity_id)
        assert changes.count("offer-accepted") == 1 and changes.count("substate-changed") == 1
    assert history_types(admin, moved) == ["opened", "portal-access-granted"]


def test_postgres_restarted_under_load_loses_nothing_and_applies_nothing_twice(
        services, embedded):
    admin = services.admin()
    flow = configure_flow(admin)
    opened = [open_with_access(admin, flow, "Documentación", offers=0) for _ in range(12)]
    target = flow.substates["Visita"]

    def move_until_done(opportunity_id: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                response = admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                                      json={"substate_id": target, "reason": "load"})
            except httpx.HTTPError:
                continue  # the connection broke: ask again
            if response.status_code == 200 or "already in substate" in response.text:
                return
        raise AssertionError(f"{opportunity_id} could not be moved")

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        moves = [pool.submit(move_until_done, opportunity_id) for opportunity_id, *_ in opened]
        embedded.postgres.restart()
        for move in moves:
            move.result()

    for opportunity_id, token, _ in opened:
        customer = services.customer(token)
        eventually(lambda c=customer, o=opportunity_id: current_substate(c, o) == target, 60)
        assert history_types(admin, opportunity_id).count("substate-changed") == 1


async def test_a_poison_event_is_dead_lettered_while_the_next_ones_are_applied(
        services, embedded):
    from portalflow_contracts.envelope import Envelope, to_kafka
    from portalflow_contracts.events.opportunity import SubstateChanged
    from portalflow_contracts.topics import OPPORTUNITIES, dead_letter_topic
    from portalflow_devstack.testing import read_back
    from portalflow_eventing import kafka

    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
    customer = services.customer(token)
    eventually(lambda: current_substate(customer, opportunity_id))
    poison = Envelope(type=SubstateChanged.type, source="test", subject=opportunity_id,
                      org_id="test", data={"opportunity_id": opportunity_id},  # no substates
                      correlation_id="poison")
    producer = kafka.producer(services.stack.kafka_bootstrap)
    await producer.start()
    try:
        headers, key, value = to_kafka(poison)
        await producer.send_and_wait(OPPORTUNITIES, value, key, headers=headers)
    finally:
        await producer.stop()

    ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                  json={"substate_id": flow.substates["Visita"], "reason": "after the poison"}))

    eventually(lambda: current_substate(customer, opportunity_id) == flow.substates["Visita"],
               60)
    [dead] = await read_back(services.stack.kafka_bootstrap,
                             dead_letter_topic("portal-service.read-model"), {opportunity_id}, 1)
    assert dead.id == poison.id
