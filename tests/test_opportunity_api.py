"""The back office's operations on opportunities, through HTTP, with the events they publish."""

from uuid import uuid4

import pytest
from flows import configure_flow, ok, open_with_access

from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_devstack.testing import eventually, published

PDF = b"%PDF-1.7\n" + b"0" * 2048


@pytest.fixture
def opened(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, offers = open_with_access(admin, flow, "Documentación")
    return admin, flow, opportunity_id, token, offers


def upload(admin, content: bytes, name: str = "contrato.pdf"):
    return admin.post("/v1/documents", files={"file": (name, content, "application/pdf")})


async def test_a_contract_is_issued_from_an_uploaded_document(services, opened):
    admin, _, opportunity_id, _, _ = opened
    document = ok(upload(admin, PDF, "../Contrato García.pdf"), 201)
    assert document["file_name"] == "Contrato García.pdf"
    assert document["content_type"] == "application/pdf" and document["size"] == len(PDF)

    issued = ok(admin.post(f"/v1/opportunities/{opportunity_id}/contracts", json={
        "title": "Contrato de instalación", "document_id": document["document_id"]}), 201)

    [contract] = issued["contracts"]
    assert contract["document"] == document
    downloaded = admin.get(f"/v1/documents/{document['document_id']}")
    assert downloaded.status_code == 200 and downloaded.content == PDF
    events = await published(services, OPPORTUNITIES, opportunity_id, 5)
    assert events[-1].type == "portalflow.opportunity.contract-issued.v1"
    assert events[-1].data["document"]["sha256"] == document["sha256"]


def test_uploads_are_refused_when_disguised_or_too_large(services, opened):
    admin, *_ = opened
    disguised = upload(admin, b"MZ\x90\x00 an executable", "factura.pdf")
    assert disguised.status_code == 415 and "application/pdf" in disguised.json()["detail"]
    too_large = upload(admin, PDF + b"0" * (15 * 1024 * 1024))
    assert too_large.status_code == 413


def test_documents_and_contracts_stay_within_the_org(services, opened):
    admin, _, opportunity_id, _, _ = opened
    document = ok(upload(admin, PDF), 201)
    stranger = services.admin()
    assert stranger.get(f"/v1/documents/{document['document_id']}").status_code == 404
    refused = admin.post(f"/v1/opportunities/{opportunity_id}/contracts",
                         json={"title": "X", "document_id": str(uuid4())})
    assert refused.status_code == 404 and "upload it first" in refused.json()["detail"]


async def test_an_installer_is_assigned_with_the_visit(services, opened):
    admin, _, opportunity_id, _, _ = opened
    assignment = {"installer": {"name": "Luis Pérez", "company": "SolTec",
                                "phone": "+34 600 000 000", "email": "luis@soltec.es"},
                  "visit_at": "2026-12-03T09:30:00Z"}
    shown = ok(admin.put(f"/v1/opportunities/{opportunity_id}/installer", json=assignment))
    assert shown["installer"]["installer"]["name"] == "Luis Pérez"
    events = await published(services, OPPORTUNITIES, opportunity_id, 5)
    assert events[-1].type == "portalflow.opportunity.installer-assigned.v1"

    bad = admin.put(f"/v1/opportunities/{opportunity_id}/installer",
                    json={"installer": {}, "visit_at": "next tuesday"})
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {
        ("body", "installer", "name"), ("body", "visit_at")}


def test_revoked_portal_access_locks_the_customer_out(services, opened):
    admin, _, opportunity_id, token, _ = opened
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{opportunity_id}")
               .status_code == 200)

    ok(admin.delete(f"/v1/opportunities/{opportunity_id}/portal-access"))

    eventually(lambda: customer.get(f"/v1/portal/opportunities/{opportunity_id}")
               .status_code == 404)
    assert admin.delete(f"/v1/opportunities/{opportunity_id}/portal-access").status_code == 409


def test_history_lists_every_change_with_who_and_why(services, opened):
    admin, flow, opportunity_id, _, _ = opened
    ok(admin.post(f"/v1/opportunities/{opportunity_id}/substate", json={
        "substate_id": flow.substates["Oferta enviada"], "reason": "documents checked"}))

    history = ok(admin.get(f"/v1/opportunities/{opportunity_id}/history"))

    assert [c["type"].split(".")[2] for c in history] == [
        "opened", "offer-issued", "offer-issued", "portal-access-granted", "substate-changed"]
    assert [c["version"] for c in history] == [1, 2, 3, 4, 5]
    assert history[-1]["actor"] == "user:tester"
    assert history[-1]["cause"] == {"kind": "operator", "action": None,
                                    "customer_event_id": None, "reason": "documents checked"}
    type_history = ok(admin.get(f"/v1/opportunity-types/{flow.opportunity_type_id}/history"))
    assert type_history[0]["type"] == "portalflow.flow.opportunity-type-created.v1"
    assert services.admin().get(f"/v1/opportunities/{opportunity_id}/history").status_code == 404


def test_a_lost_if_match_race_gets_412(services, opened):
    admin, _, opportunity_id, _, _ = opened
    etag = admin.get(f"/v1/opportunities/{opportunity_id}").headers["ETag"]
    offer = {"title": "10 kW", "amount": "14000.00"}
    first = admin.post(f"/v1/opportunities/{opportunity_id}/offers", json=offer,
                       headers={"If-Match": etag})
    second = admin.post(f"/v1/opportunities/{opportunity_id}/offers", json=offer,
                        headers={"If-Match": etag})
    assert first.status_code == 201 and second.status_code == 412
    assert "reload" in second.json()["detail"]


async def test_field_values_are_checked_by_type_and_files_shared_by_reference(services, opened):
    admin, _, opportunity_id, _, _ = opened
    power = ok(admin.post("/v1/dynamic-fields", json={
        "key": "contracted-power", "label": {"es": "Potencia contratada"},
        "type": "number"}), 201)["field_id"]
    bill = ok(admin.post("/v1/dynamic-fields", json={
        "key": "electricity-bill", "label": {"es": "Factura eléctrica"},
        "type": "file"}), 201)["field_id"]
    document = ok(upload(admin, PDF, "factura.pdf"), 201)
    fields = f"/v1/opportunities/{opportunity_id}/fields"

    assert ok(admin.put(f"{fields}/{power}", json={"value": "5.75"}))["fields"][power] == 5.75
    shown = ok(admin.put(f"{fields}/{bill}",
                         json={"value": {"document_id": document["document_id"]}}))
    assert shown["fields"][bill] == document

    wrong = admin.put(f"{fields}/{power}", json={"value": "lots"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == ["body", "value"]
    assert "a number" in wrong.json()["errors"][0]["msg"]
    assert admin.put(f"{fields}/{uuid4()}", json={"value": 1}).status_code == 404
    assert admin.put(f"{fields}/{bill}",
                     json={"value": {"document_id": "nope"}}).status_code == 404
    events = await published(services, OPPORTUNITIES, opportunity_id, 6)
    assert [e.type.split(".")[2] for e in events[-2:]] == ["field-value-set"] * 2
