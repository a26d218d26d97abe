"""Tolerant readers, strict writers: a `.v1` event with a field the reader does not know yet
(a newer producer may add optional fields within a version) is applied, and the extra field
ignored; request bodies still refuse unknown fields."""

from dataclasses import replace
from uuid import uuid4

from flows import configure_flow, ok, open_with_access

from portalflow_contracts.envelope import Envelope, to_kafka
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.opportunity import OfferIssued
from portalflow_devstack.testing import eventually
from portalflow_eventing import kafka

PORTAL = "/v1/portal/opportunities"


async def publish_with_extra_field(services, envelope: Envelope, **extra) -> None:
    """Publish `envelope` as a newer producer would: with fields its reader does not know."""
    headers, key, value = to_kafka(replace(envelope, data={**envelope.data, **extra}))
    producer = kafka.producer(services.stack.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(envelope.topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def offers_shown(customer, opportunity_id: str) -> list[dict]:
    current = ok(customer.get(f"{PORTAL}/{opportunity_id}"))["current"]
    return (current["panel"] or {}).get("offers", [])


async def test_events_with_an_unknown_field_are_applied_by_both_services(services):
    org_id = f"org-{uuid4().hex[:8]}"
    admin = services.admin(org_id)
    flow = configure_flow(admin)
    opportunity_id, token, [offer_id] = open_with_access(admin, flow, "Oferta enviada", 1)
    customer = services.customer(token)
    eventually(lambda: [o["offer_id"] for o in offers_shown(customer, opportunity_id)]
               == [offer_id])

    # portal-service reads an opportunity event with a new field
    issued = OfferIssued(opportunity_id=opportunity_id, offer_id=str(uuid4()), title="8 kW",
                         amount="12000.00", currency="EUR")
    await publish_with_extra_field(services, Envelope.wrap(
        issued, source="config-service", subject=opportunity_id, org_id=org_id,
        correlation_id=str(uuid4())), valid_until="2027-01-31")
    shown = eventually(lambda: {o["offer_id"]: o for o in offers_shown(
        customer, opportunity_id)}.get(issued.offer_id))
    assert shown["title"] == "8 kW" and "valid_until" not in shown

    # config-service reads a customer event with a new field
    accepted = CustomerAcceptedOffer(opportunity_id=opportunity_id, offer_id=offer_id,
                                     substate_id=flow.substates["Oferta enviada"])
    await publish_with_extra_field(services, Envelope.wrap(
        accepted, source="portal-service", subject=opportunity_id, org_id=org_id,
        correlation_id=str(uuid4()), actor=f"customer:{opportunity_id}"),
        accepted_from="mobile-app")
    opportunity = eventually(lambda: (o := ok(admin.get(f"/v1/opportunities/{opportunity_id}")))[
        "offers"].get(offer_id) == "accepted" and o)
    assert opportunity["substate_id"] == flow.substates["Oferta aceptada"]


def test_request_bodies_still_refuse_unknown_fields_also_in_embedded_wire_models(services):
    admin = services.admin()
    flow = configure_flow(admin)
    field_id = ok(admin.post("/v1/dynamic-fields", json={
        "key": "dni", "label": {"es": "DNI"}, "type": "text"}), 201)["field_id"]
    opportunity_id, _, _ = open_with_access(admin, flow, "Visita", 0)
    substate_url = (f"/v1/opportunity-types/{flow.opportunity_type_id}/substates/"
                    f"{flow.substates['Documentación']}/portal")
    refusals = [
        (admin.put(substate_url, json={"panel": "initial-documentation", "fields": [
            {"field": field_id, "required": True, "hidden": True}]}),
         ["body", "fields", 0, "hidden"]),
        (admin.put(substate_url, json={"panel": "initial-documentation", "colour": "red"}),
         ["body", "colour"]),
        (admin.put("/v1/portal-settings", json={
            "locales": ["es"], "default_locale": "es",
            "branding": {"company_name": "Sol", "motto": "luz"}}),
         ["body", "branding", "motto"]),
        (admin.put("/v1/portal-settings", json={
            "locales": ["es"], "default_locale": "es",
            "end_of_process_texts": {"success": {"es": "¡Hecho!"}, "later": {"es": "x"}}}),
         ["body", "end_of_process_texts", "later"]),
        (admin.post("/v1/dynamic-fields", json={
            "key": "plan", "label": {"es": "Plan"}, "type": "select",
            "options": [{"value": "a", "label": {"es": "A"}, "price": 1}]}),
         ["body", "options", 0, "price"]),
        (admin.put(f"/v1/opportunities/{opportunity_id}/installer", json={
            "installer": {"name": "Ana", "van": "blue"}}),
         ["body", "installer", "van"]),
    ]
    for response, loc in refusals:
        assert response.status_code == 422, f"{loc}: {response.status_code} {response.text}"
        body = response.json()
        [error] = body["errors"] if "errors" in body else body["detail"]
        assert error["loc"] == loc and error["type"] == "extra_forbidden"
