"""No accepted request yields an event over the event size limit, and a refusal stops nothing.

Every field that goes into an event is bounded where it comes in (422 naming it); what the
bounds still let through together is refused by the event store itself (413), before it is
written, so no relay is ever left with an event the broker would refuse.
"""

import json
from uuid import uuid4

import pytest
from flows import ok
from test_portal_actions import ROOF, configure, open_at, outbox

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.opportunity import FieldValueSet
from portalflow_contracts.topics import CUSTOMER_EVENTS, FLOW_DEFINITIONS
from portalflow_devstack.testing import eventually, published, read_back, running_services
from portalflow_eventing import store
from portalflow_eventing.store import MAX_EVENT_BYTES, EventTooLargeError

PORTAL = "/v1/portal/opportunities"
PROBLEM = "application/problem+json"


def errors(response) -> list[dict]:
    assert response.status_code == 422, f"{response.status_code}: {response.text[:300]}"
    body = response.json()
    return body["errors"] if "errors" in body else body["detail"]


async def test_an_oversized_drawing_is_refused_and_the_next_action_is_published(services):
    org = configure(services)
    opportunity_id, customer = open_at(services, org, "Dibujo")
    url = f"{PORTAL}/{opportunity_id}/drawing"
    heavy = json.loads(json.dumps(ROOF))
    heavy["features"][0]["properties"] = {"notes": "x" * 1_200_000}

    [error] = errors(customer.put(url, json={"roof": heavy}))
    assert error["loc"] == ["body", "roof", "features", 0, "properties"]
    assert "at most 1,024 bytes" in error["msg"]
    assert await outbox(services, opportunity_id) == []

    accepted = ok(customer.put(url, json={"roof": ROOF}), 202)
    [event] = await published(services, CUSTOMER_EVENTS, opportunity_id, 1)
    assert event.id == accepted["customer_event_id"] and event.data["roof"] == ROOF
    applied = eventually(lambda: ok(org.admin.get(f"/v1/opportunities/{opportunity_id}"))[
        "drawing"])
    assert applied == {"roof": ROOF, "roof_area_m2": accepted["roof_area_m2"]}


def test_texts_and_lists_that_go_into_events_are_bounded_with_a_422(services):
    admin = services.admin()
    many_locales = {f"{a}{b}": "texto" for a in "abcde" for b in "abcde"}
    assert errors(admin.post("/v1/conditions", json={
        "title": many_locales, "text": {"es": "Acepto."}}))[0]["loc"] == ["body", "title"]
    [long] = errors(admin.post("/v1/conditions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "a" * 50_001}}))
    assert long["loc"][:3] == ["body", "text", "es"] and "50000" in long["msg"]
    [title] = errors(admin.post("/v1/opportunity-types", json={"name": "n" * 201, "states": [
        {"name": "Proceso", "substates": [{"name": "Uno"}]}]}))
    assert title["loc"] == ["body", "name"]
    [states] = errors(admin.post("/v1/opportunity-types", json={"name": "Grande", "states": [
        {"name": f"E{n}", "substates": [{"name": "Uno"}]} for n in range(51)]}))
    assert states["loc"] == ["body", "states"] and "at most 50" in states["msg"]
    [options] = errors(admin.post("/v1/dynamic-fields", json={
        "key": "plan", "label": {"es": "Plan"}, "type": "select",
        "options": [{"value": f"o{n}", "label": {"es": f"{n}"}} for n in range(101)]}))
    assert options["loc"] == ["body", "options"]


async def test_an_event_over_the_limit_gets_413_and_the_relay_goes_on(services):
    admin = services.admin()
    ok(admin.put("/v1/portal-settings", json={"locales": ["es", "it", "en", "fr"],
                                              "default_locale": "es"}))
    # Within every text bound, yet each character takes 12 bytes as escaped JSON.
    emoji = {locale: "😀" * 45_000 for locale in ("es", "it", "en", "fr")}
    refused = admin.post("/v1/conditions", json={"title": {"es": "Privacidad"}, "text": emoji})
    assert refused.status_code == 413 and refused.headers["content-type"] == PROBLEM
    assert f"at most {MAX_EVENT_BYTES:,} are accepted" in refused.json()["detail"]

    condition_id = ok(admin.post("/v1/conditions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "Acepto."}}), 201)["condition_id"]
    [event] = await read_back(services.stack.kafka_bootstrap, FLOW_DEFINITIONS,
                              {condition_id}, 1, timeout=15)
    assert event.data["condition_id"] == condition_id


def field_value(size: int) -> Envelope:
    stream = str(uuid4())
    return Envelope.wrap(FieldValueSet.model_construct(opportunity_id=stream, field_id="f",
                                                       value="x" * size),
                         source="test", subject=stream, org_id="org", correlation_id="c")


async def test_the_store_refuses_an_envelope_whose_record_would_exceed_the_limit(conn):
    small, large = field_value(1_000), field_value(MAX_EVENT_BYTES)
    assert store.record_size(small) < MAX_EVENT_BYTES < store.record_size(large)
    for append in (lambda: store.append(conn, large.subject, [large], expected_version=0),
                   lambda: store.append_at(conn, [(1, small), (1, large)])):
        with pytest.raises(EventTooLargeError) as refused:
            await append()
        assert refused.value.event_type == FieldValueSet.type
        assert refused.value.size == store.record_size(large)
    assert await conn.fetchval("SELECT count(*) FROM events") == 0
    await store.append(conn, small.subject, [small], expected_version=0)
    assert await conn.fetchval("SELECT count(*) FROM events") == 1


async def test_a_huge_or_non_numeric_roof_is_refused_before_any_geometry_work(services):
    org = configure(services)
    opportunity_id, customer = open_at(services, org, "Dibujo")
    url = f"{PORTAL}/{opportunity_id}/drawing"
    ring = [[0, 0]] * 60_000  # well below any body limit, far above a roof's positions
    huge = {**ROOF, "features": [{**ROOF["features"][0], "geometry": {
        "type": "Polygon", "coordinates": [ring]}}]}
    [error] = errors(customer.put(url, json={"roof": huge}))
    assert error["loc"] == ["body", "roof", "features"] and "at most 2,000" in error["msg"]

    not_a_number = json.dumps({"roof": ROOF}).replace("40.4169", "NaN", 1)
    [error] = errors(customer.put(url, content=not_a_number,
                                  headers={"content-type": "application/json"}))
    assert error["loc"][:5] == ["body", "roof", "features", 0, "geometry"]
    assert "finite" in error["msg"]
    assert await outbox(services, opportunity_id) == []


def test_the_limit_is_a_setting_of_each_service(stack, tmp_path):
    with running_services(stack, tmp_path, MAX_EVENT_BYTES="4096") as small:
        admin = small.admin()
        ok(admin.put("/v1/portal-settings", json={"locales": ["es"], "default_locale": "es"}))
        refused = admin.post("/v1/conditions", json={
            "title": {"es": "Privacidad"}, "text": {"es": "a" * 5_000}})
        assert refused.status_code == 413, refused.text
        assert "at most 4,096 are accepted" in refused.json()["detail"]
        ok(admin.post("/v1/conditions", json={
            "title": {"es": "Privacidad"}, "text": {"es": "a" * 3_000}}), 201)
