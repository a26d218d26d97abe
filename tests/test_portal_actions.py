"""The customer's actions in the portal, through HTTP against both real services.

Each action is checked against the current substate's panel; when it fits, its customer event
lands in portal-service's outbox (and from there on the broker) and the customer sees their own
write at once; when it does not, nothing is emitted and the answer says why.
"""

import json
from dataclasses import dataclass
from uuid import uuid4

import asyncpg
import httpx
import pytest
from flows import ok

from portalflow_contracts.topics import CUSTOMER_EVENTS
from portalflow_devstack.testing import eventually, published

PDF = b"%PDF-1.7\n" + b"0" * 2048
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 512
CUSTOMER = "portalflow.customer."
PORTAL = "/v1/portal/opportunities"
# name, panel; "Revisión" is where a completed documentation step goes, internal (no name shown)
SUBSTATES = [("Documentación", "initial-documentation"), ("Revisión", None),
             ("Dibujo", "drawing"), ("Firma", "contract-signing"),
             ("Perdida", "finalization-failed")]


@dataclass
class Org:
    admin: httpx.Client
    type_id: str
    substates: dict[str, str]  # name → substate id
    fields: dict[str, str]  # key → field id
    privacy: str  # condition id


def configure(services, *, reactivation: bool = True) -> Org:
    """A new org: fields, a condition, a flow whose documentation step binds them."""
    admin = services.admin()
    ok(admin.put("/v1/portal-settings", json={"locales": ["es", "it"], "default_locale": "es",
                                              "reactivation_enabled": reactivation}))
    fields = {key: ok(admin.post("/v1/dynamic-fields", json={
        "key": key, "label": {"es": f"es:{key}", "it": f"it:{key}"}, "type": kind}),
        201)["field_id"] for key, kind in [("dni", "text"), ("bill", "file"), ("power", "number"),
                                           ("plan", "file"), ("iban", "text")]}
    privacy = ok(admin.post("/v1/conditions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "Acepto."}}), 201)["condition_id"]
    created = ok(admin.post("/v1/opportunity-types", json={"name": "Autoconsumo", "states": [
        {"name": "Proceso", "substates": [{"name": name} for name, _ in SUBSTATES]}]}), 201)
    type_id, state = created["opportunity_type_id"], created["states"][0]
    ok(admin.put(f"/v1/opportunity-types/{type_id}/states/{state['state_id']}/portal",
                 json={"public_name": {"es": "Proceso"}}))
    substates = {sub["name"]: sub["substate_id"] for sub in state["substates"]}
    bindings = [{"field": fields["dni"], "required": True},
                {"field": fields["bill"], "required": True},
                {"field": fields["power"]},
                {"field": fields["plan"], "read_only": True}]
    # Mappings first: the org's configuration reaches the portal in order, so once a panel
    # shows, the mappings saved before it are there too.
    for action, target in [("initial-documentation-completed", "Revisión"),
                           ("show-flow-reactivation", "Documentación")]:
        ok(admin.put(f"/v1/opportunity-types/{type_id}/external-actions/{action}",
                     json={"target_substate_id": substates[target]}))
    for name, panel in SUBSTATES:
        config = {"panel": panel, "public_name": {"es": name} if panel else None}
        if panel == "initial-documentation":
            config |= {"fields": bindings, "conditions": [privacy]}
        ok(admin.put(f"/v1/opportunity-types/{type_id}/substates/{substates[name]}/portal",
                     json=config))
    return Org(admin, type_id, substates, fields, privacy)


@pytest.fixture
def org(services) -> Org:
    return configure(services)


def panel_key(customer: httpx.Client, opportunity_id: str) -> str | None:
    response = customer.get(f"{PORTAL}/{opportunity_id}")
    current = response.json()["current"] if response.status_code == 200 else None
    return current and current["panel"] and current["panel"]["key"]


def open_at(services, org: Org, substate: str) -> tuple[str, httpx.Client]:
    """An opportunity in `substate`, and its customer once the portal shows that panel."""
    opportunity_id = ok(org.admin.post("/v1/opportunities", json={
        "opportunity_type_id": org.type_id, "title": "Casa García",
        "substate_id": org.substates[substate]}), 201)["opportunity_id"]
    token = ok(org.admin.post(f"/v1/opportunities/{opportunity_id}/portal-access"),
               201)["token"]
    customer = services.customer(token)
    panel = dict(SUBSTATES)[substate]
    eventually(lambda: panel_key(customer, opportunity_id) == panel)
    return opportunity_id, customer


async def outbox(services, opportunity_id: str) -> list[dict]:
    """The customer events of the opportunity in portal-service's outbox, in order."""
    conn = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        rows = await conn.fetch("SELECT event_id, type, data FROM events WHERE stream_id = $1"
                                " ORDER BY position", opportunity_id)
    finally:
        await conn.close()
    return [{"id": str(r["event_id"]), "type": r["type"].removeprefix(CUSTOMER),
             **json.loads(r["data"])} for r in rows]


async def read_model(services, opportunity_id: str) -> dict:
    conn = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        row = await conn.fetchrow(
            "SELECT fields, accepted_conditions, contracts, drawing FROM portal_opportunities"
            " WHERE opportunity_id = $1", opportunity_id)
    finally:
        await conn.close()
    return {key: json.loads(value) if value else value for key, value in row.items()}


def refused(response: httpx.Response, status: int) -> str | list:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    return body["errors"] if "errors" in body else body["detail"]


def upload(customer: httpx.Client, url: str, content: bytes = PDF, name: str = "factura.pdf",
           **options) -> httpx.Response:
    return customer.post(url, files={"file": (name, content, "application/pdf")}, **options)


def field_shown(customer: httpx.Client, opportunity_id: str, field_id: str):
    fields = ok(customer.get(f"{PORTAL}/{opportunity_id}"))["current"]["panel"]["fields"]
    return next(f["value"] for f in fields if f["field_id"] == field_id)


# The documentation step --------------------------------------------------------------------

async def test_the_customer_fills_in_the_documentation_step_and_completes_it(services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    url = f"{PORTAL}/{opportunity_id}"
    dni, bill = org.fields["dni"], org.fields["bill"]

    incomplete = customer.post(f"{url}/complete", headers={"Accept-Language": "it"})
    assert incomplete.status_code == 422, incomplete.text
    assert incomplete.json()["missing"] == {
        "fields": [{"field_id": dni, "key": "dni", "label": "it:dni"},
                   {"field_id": bill, "key": "bill", "label": "it:bill"}],
        "conditions": [{"condition_id": org.privacy, "version": 1, "title": "Privacidad"}]}

    set_dni = ok(customer.put(f"{url}/fields/{dni}", json={"value": "12345678Z"}), 202)
    assert field_shown(customer, opportunity_id, dni) == "12345678Z"  # at once, echoed or not
    uploaded = ok(upload(customer, f"{url}/fields/{bill}/document", name="../Factura luz.pdf"),
                  202)
    document = uploaded["document"]
    assert document["file_name"] == "Factura luz.pdf" and document["size"] == len(PDF)
    assert document["content_type"] == "application/pdf"
    assert field_shown(customer, opportunity_id, bill)["document_id"] == document["document_id"]
    row = await read_model(services, opportunity_id)
    for field_id, value in ((dni, "12345678Z"), (bill, document)):
        state = row["fields"][field_id]  # pending, unless config-service's echo came already
        assert (state["pending"] or {"value": state["confirmed"]})["value"] == value

    ok(customer.post(f"{url}/conditions/{org.privacy}/accept", json={"version": 1}), 202)
    assert (await read_model(services, opportunity_id))["accepted_conditions"] == {
        org.privacy: 1}
    completed = ok(customer.post(f"{url}/complete"), 202)

    events = await outbox(services, opportunity_id)
    here = org.substates["Documentación"]
    assert [(e["type"], e["substate_id"]) for e in events] == [
        ("field-value-set.v1", here), ("document-uploaded.v1", here),
        ("condition-accepted.v1", here), ("step-completed.v1", here)]
    assert events[0]["id"] == set_dni["customer_event_id"]
    assert events[0]["value"] == "12345678Z" and events[1]["document"] == document
    assert events[2]["version"] == 1 and events[3]["panel"] == "initial-documentation"
    assert events[3]["id"] == completed["customer_event_id"]
    on_the_broker = await published(services, CUSTOMER_EVENTS, opportunity_id, 4)
    assert [e.id for e in on_the_broker] == [e["id"] for e in events]

    eventually(lambda: ok(customer.get(url))["current"] is None)  # on to internal Revisión
    back_office = ok(org.admin.get(f"/v1/opportunities/{opportunity_id}"))
    assert back_office["substate_id"] == org.substates["Revisión"]


async def test_fields_off_the_panel_read_only_unknown_or_badly_typed_are_refused(services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    fields = f"{PORTAL}/{opportunity_id}/fields"

    assert "field 'plan' is read-only on the current step" in refused(
        customer.put(f"{fields}/{org.fields['plan']}", json={"value": None}), 409)
    assert "field 'iban' is not on the current step's panel" in refused(
        customer.put(f"{fields}/{org.fields['iban']}", json={"value": "ES12"}), 409)
    assert refused(customer.put(f"{fields}/{uuid4()}", json={"value": 1}), 404).startswith(
        "field ")
    [wrong] = refused(customer.put(f"{fields}/{org.fields['power']}", json={"value": "lots"}),
                      422)
    assert wrong["loc"] == ["body", "value"] and "field 'power' expects a number" in wrong["msg"]
    [file] = refused(customer.put(f"{fields}/{org.fields['bill']}", json={"value": {
        "document_id": str(uuid4())}}), 422)
    assert file["loc"] == ["body", "value"] and "is a file field: upload" in file["msg"]
    [text] = refused(upload(customer, f"{fields}/{org.fields['dni']}/document"), 422)
    assert text["loc"] == ["path", "field_id"] and "only file fields take documents" in text["msg"]

    assert services.portal_client().put(f"{fields}/{org.fields['dni']}",
                                        json={"value": "X"}).status_code == 401
    other_id, _ = open_at(services, org, "Documentación")
    assert refused(customer.put(f"{PORTAL}/{other_id}/fields/{org.fields['dni']}",
                                json={"value": "X"}), 404).startswith(f"opportunity {other_id}")
    assert await outbox(services, opportunity_id) == []
    assert (await read_model(services, opportunity_id))["fields"] == {}


async def test_actions_off_their_panel_get_409_and_emit_nothing(services, org):
    opportunity_id, customer = open_at(services, org, "Dibujo")
    url = f"{PORTAL}/{opportunity_id}"

    assert refused(customer.put(f"{url}/fields/{org.fields['dni']}", json={"value": "X"}),
                   409) == ("fields can be filled in only on a documentation panel; the "
                            "current step shows drawing")
    assert refused(customer.post(f"{url}/complete"), 409) == (
        "a step can be completed only on a documentation panel; the current step shows drawing")
    assert refused(customer.post(f"{url}/reactivate"), 409) == (
        "reactivation can be requested only on the finalization-failed panel; the current step "
        "shows drawing")
    assert refused(upload(customer, f"{url}/contracts/{uuid4()}/signed"), 409) == (
        "signed contracts can be uploaded only on the contract-signing panel; the current "
        "step shows drawing")
    assert "is not asked for on the current step" in refused(
        customer.post(f"{url}/conditions/{org.privacy}/accept", json={"version": 1}), 409)
    assert await outbox(services, opportunity_id) == []


async def test_a_condition_accepted_at_an_old_version_gets_409_with_the_current_one(
        services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    ok(org.admin.post(f"/v1/conditions/{org.privacy}/revisions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "Acepto la nueva versión."}}), 201)
    eventually(lambda: [c["version"] for c in ok(customer.get(
        f"{PORTAL}/{opportunity_id}"))["current"]["conditions"]] == [2])

    stale = customer.post(f"{PORTAL}/{opportunity_id}/conditions/{org.privacy}/accept",
                          json={"version": 1})

    assert refused(stale, 409) == (f"condition {org.privacy} is at version 2, not 1: read "
                                   "version 2 and accept that one")
    assert refused(customer.post(f"{PORTAL}/{opportunity_id}/conditions/{uuid4()}/accept",
                                 json={"version": 1}), 404).startswith("condition ")
    assert await outbox(services, opportunity_id) == []


# Documents ---------------------------------------------------------------------------------

async def test_uploads_too_large_or_disguised_are_refused_and_emit_nothing(services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    url = f"{PORTAL}/{opportunity_id}/fields/{org.fields['bill']}/document"

    too_large = upload(customer, url, PDF + b"0" * (15 * 1024 * 1024))
    assert too_large.status_code == 413 and "at most" in too_large.json()["detail"]
    disguised = upload(customer, url, b"MZ\x90\x00\x03 an executable", "factura.pdf")
    assert disguised.status_code == 415 and "application/pdf" in disguised.json()["detail"]
    assert await outbox(services, opportunity_id) == []


def test_the_customer_downloads_only_documents_of_their_own_opportunity(services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    other_id, other = open_at(services, org, "Documentación")
    shared = ok(org.admin.post("/v1/documents", files={
        "file": ("Plano tejado.png", PNG, "image/png")}), 201)
    ok(org.admin.put(f"/v1/opportunities/{opportunity_id}/fields/{org.fields['plan']}",
                     json={"value": {"document_id": shared["document_id"]}}))
    theirs = ok(upload(other, f"{PORTAL}/{other_id}/fields/{org.fields['bill']}/document"),
                202)["document"]
    mine = ok(upload(customer, f"{PORTAL}/{opportunity_id}/fields/{org.fields['bill']}/document",
                     PDF + b"mine", "../mi_factura.pdf"), 202)["document"]
    documents = f"{PORTAL}/{opportunity_id}/documents"

    own = customer.get(f"{documents}/{mine['document_id']}")
    assert own.status_code == 200 and own.content == PDF + b"mine"
    assert own.headers["content-type"] == "application/pdf"
    assert own.headers["content-disposition"] == 'attachment; filename="mi_factura.pdf"'
    downloaded = eventually(lambda: (r := customer.get(f"{documents}/{shared['document_id']}"))
                            .status_code == 200 and r)  # once the field value is projected
    assert downloaded.content == PNG and downloaded.headers["content-disposition"] == (
        "attachment; filename*=utf-8''Plano%20tejado.png")
    assert refused(customer.get(f"{documents}/{theirs['document_id']}"), 404) == (
        f"document {theirs['document_id']} not found")
    assert customer.get(f"{PORTAL}/{other_id}/documents/{theirs['document_id']}"
                        ).status_code == 404
    assert customer.get(f"{documents}/{uuid4()}").status_code == 404


# Drawing, signed contract, reactivation ----------------------------------------------------

ROOF = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"face": "sur"},
    "geometry": {"type": "Polygon", "coordinates": [[
        [-3.7038, 40.4168], [-3.7036, 40.4168], [-3.7036, 40.4169], [-3.7038, 40.4169],
        [-3.7038, 40.4168]]]}}]}


async def test_the_customer_submits_a_roof_drawing_with_its_area(services, org):
    opportunity_id, customer = open_at(services, org, "Dibujo")
    url = f"{PORTAL}/{opportunity_id}/drawing"
    bowtie = {**ROOF, "features": [{**ROOF["features"][0], "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}]}

    [error] = refused(customer.put(url, json={"roof": bowtie}), 422)
    assert error["loc"] == ["body", "roof", "features", 0, "geometry"]
    assert "not a valid polygon: Self-intersection" in error["msg"]
    accepted = ok(customer.put(url, json={"roof": ROOF}), 202)

    assert 180 < accepted["roof_area_m2"] < 200  # about 17 m by 11 m
    drawing = (await read_model(services, opportunity_id))["drawing"]
    assert drawing == {"roof": ROOF, "roof_area_m2": accepted["roof_area_m2"]}
    [event] = await outbox(services, opportunity_id)
    assert event["type"] == "drawing-submitted.v1" and event["roof"] == ROOF
    assert event["roof_area_m2"] == accepted["roof_area_m2"]


async def test_the_customer_uploads_a_signed_contract(services, org):
    opportunity_id, customer = open_at(services, org, "Firma")
    document = ok(org.admin.post("/v1/documents", files={
        "file": ("contrato.pdf", PDF + b"contract", "application/pdf")}), 201)
    contract_id = ok(org.admin.post(f"/v1/opportunities/{opportunity_id}/contracts", json={
        "title": "Contrato", "document_id": document["document_id"]}), 201)["contracts"][0][
        "contract_id"]
    url = f"{PORTAL}/{opportunity_id}"
    eventually(lambda: customer.get(f"{url}/documents/{document['document_id']}"
                                    ).content == PDF + b"contract")

    signed = ok(upload(customer, f"{url}/contracts/{contract_id}/signed", name="firmado.pdf"),
                202)

    contracts = (await read_model(services, opportunity_id))["contracts"]
    assert contracts[contract_id]["signed_document"] == signed["document"]
    [event] = await outbox(services, opportunity_id)
    assert event["type"] == "signed-contract-uploaded.v1" and event["contract_id"] == contract_id
    assert event["document"] == signed["document"]
    assert refused(upload(customer, f"{url}/contracts/{uuid4()}/signed"), 404).startswith(
        "contract ")


async def test_reactivation_is_requested_only_where_the_org_enables_it(services, org):
    opportunity_id, customer = open_at(services, org, "Perdida")
    accepted = ok(customer.post(f"{PORTAL}/{opportunity_id}/reactivate"), 202)
    [event] = await outbox(services, opportunity_id)
    assert event == {"id": accepted["customer_event_id"], "type": "reactivation-requested.v1",
                     "opportunity_id": opportunity_id,
                     "substate_id": org.substates["Perdida"]}

    disabled = configure(services, reactivation=False)
    closed_id, closed = open_at(services, disabled, "Perdida")
    assert refused(closed.post(f"{PORTAL}/{closed_id}/reactivate"), 409) == (
        "reactivation is disabled in the org's portal settings")
    assert await outbox(services, closed_id) == []


# Idempotency -------------------------------------------------------------------------------

async def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(services, org):
    opportunity_id, customer = open_at(services, org, "Documentación")
    field = f"{PORTAL}/{opportunity_id}/fields/{org.fields['dni']}"
    document = f"{PORTAL}/{opportunity_id}/fields/{org.fields['bill']}/document"
    key, upload_key = {"Idempotency-Key": str(uuid4())}, {"Idempotency-Key": str(uuid4())}

    first = customer.put(field, json={"value": "12345678Z"}, headers=key)
    retry = customer.put(field, content=b'{ "value" : "12345678Z" }', headers={
        **key, "Content-Type": "application/json"})
    assert first.status_code == retry.status_code == 202 and first.json() == retry.json()
    [other] = refused(customer.put(field, json={"value": "87654321X"}, headers=key), 422)
    assert other["loc"] == ["header", "Idempotency-Key"]
    assert "was already used for another request" in other["msg"]
    uploaded = upload(customer, document, headers=upload_key)
    assert uploaded.json() == upload(customer, document, headers=upload_key).json()
    [hijacked] = refused(customer.post(f"{PORTAL}/{opportunity_id}/complete",
                                       headers=upload_key), 422)
    assert "already used for another request" in hijacked["msg"]

    events = await outbox(services, opportunity_id)
    assert [(e["type"], e["id"]) for e in events] == [
        ("field-value-set.v1", first.json()["customer_event_id"]),
        ("document-uploaded.v1", uploaded.json()["customer_event_id"])]
    assert ok(customer.put(field, json={"value": "12345678Z"}), 202) != first.json()  # no key
