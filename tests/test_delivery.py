"""At-least-once delivery: a redelivered event changes nothing, a stopped consumer catches up."""

import asyncpg
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.envelope import to_kafka
from portalflow_devstack.testing import eventually, until
from portalflow_eventing import kafka, store


def current_substate(customer, opportunity_id: str) -> str | None:
    response = customer.get(f"/v1/portal/opportunities/{opportunity_id}")
    current = response.json()["current"] if response.status_code == 200 else None
    return current and current["substate_id"]


def move(admin, opportunity_id: str, substate_id: str) -> None:
    ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate",
                  json={"substate_id": substate_id, "reason": "test"}))


async def test_the_same_event_delivered_twice_changes_the_read_model_once(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
    customer = services.customer(token)
    first, second = flow.substates["Oferta enviada"], flow.substates["Visita"]
    move(admin, opportunity_id, first)
    move(admin, opportunity_id, second)
    eventually(lambda: current_substate(customer, opportunity_id) == second)

    # Deliver the first move again, as a broker would after a lost offset commit.
    conn = await asyncpg.connect(services.config.env["DATABASE_URL"])
    try:
        first_move = next(e for e in await store.load(conn, opportunity_id)
                          if e.envelope.data.get("to_substate_id") == first)
    finally:
        await conn.close()
    producer = kafka.producer(services.stack.kafka_bootstrap)
    await producer.start()
    try:
        headers, key, value = to_kafka(first_move.envelope)
        await producer.send_and_wait(first_move.envelope.topic, value, key, headers=headers)
    finally:
        await producer.stop()

    # An event after it on the same partition shows when the duplicate has been consumed.
    marker = ok(admin.post(f"/v1/opportunities/{opportunity_id}/offers",
                           json={"title": "marker", "amount": "1.00"}), 201)["offer_id"]
    read_model = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        await until(lambda: read_model.fetchval(
            "SELECT offers ? $2 FROM portal_opportunities WHERE opportunity_id = $1",
            opportunity_id, marker))
    finally:
        await read_model.close()
    assert current_substate(customer, opportunity_id) == second


def test_events_produced_while_the_portal_is_stopped_are_applied_when_it_starts(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
    customer = services.customer(token)
    eventually(lambda: current_substate(customer, opportunity_id))

    services.portal.stop()
    try:
        move(admin, opportunity_id, flow.substates["Visita"])
        later_id, later_token, _ = open_with_access(admin, flow, "Oferta enviada")
    finally:
        services.portal.start()

    eventually(lambda: current_substate(customer, opportunity_id) == flow.substates["Visita"])
    eventually(lambda: current_substate(services.customer(later_token), later_id)
               == flow.substates["Oferta enviada"])
