"""The whole solar flow of the seed, end to end through HTTP: every view and every action.

A customer goes from the initial documentation to the finished installation, moved on by the
external actions the org mapped; a lost project is reactivated only while the org allows it.
"""

from dataclasses import dataclass

import httpx
from flows import ok

from portalflow_devstack.testing import eventually

PDF = b"%PDF-1.7\n" + b"0" * 1024
PORTAL = "/v1/portal/opportunities"
ROOF = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
        [2.1700, 41.3800], [2.1702, 41.3800], [2.1702, 41.3801], [2.1700, 41.3801],
        [2.1700, 41.3800]]]}}]}
# substate name, panel, bindings as (field key, required, read_only), asks for privacy?
FLOW = [
    ("Documentación inicial", "initial-documentation",
     [("dni", True, False), ("power", False, False)], True),
    ("Documentación para la oferta", "offer-documentation",
     [("dni", False, False), ("roof", True, False)], False),
    ("Dibujo del tejado", "drawing", [], False),
    ("Oferta", "offer", [], False),
    ("Documentación de financiación", "financing-documentation",
     [("iban", True, False), ("dni", False, True)], False),
    ("Visita del instalador", "installer-visit", [], False),
    ("Firma del contrato", "contract-signing", [], False),
    ("Documentación de instalación", "installation-documentation",
     [("permit", True, False)], False),
    ("Proyecto finalizado", "finalization-success", [], False),
    ("Proyecto cerrado", "finalization-failed", [], False),
]
MAPPINGS = {"initial-documentation-completed": "Documentación para la oferta",
            "offer-documentation-completed": "Dibujo del tejado",
            "drawing-completed": "Oferta", "accept-budget": "Documentación de financiación",
            "financing-documentation-completed": "Visita del instalador",
            "contract-signed": "Documentación de instalación",
            "installation-documentation-completed": "Proyecto finalizado",
            "show-flow-reactivation": "Documentación inicial"}
FIELDS = {"dni": "file", "power": "number", "roof": "select", "iban": "text", "permit": "file"}
SETTINGS = {"locales": ["es", "it"], "default_locale": "es", "reactivation_enabled": True,
            "end_of_process_texts": {"success": {"es": "¡Instalación terminada!"},
                                     "failure": {"es": "Proyecto cerrado."}}}


@dataclass
class Solar:
    admin: httpx.Client
    type_id: str
    substates: dict[str, str]
    fields: dict[str, str]
    privacy: str


def configure(services) -> Solar:
    admin = services.admin()
    ok(admin.put("/v1/portal-settings", json=SETTINGS))
    fields = {key: ok(admin.post("/v1/dynamic-fields", json={
        "key": key, "label": {"es": key}, "type": kind,
        "options": [{"value": "tile", "label": {"es": "Teja"}}] if kind == "select" else []}),
        201)["field_id"] for key, kind in FIELDS.items()}
    privacy = ok(admin.post("/v1/conditions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "Acepto el tratamiento."}}),
        201)["condition_id"]
    created = ok(admin.post("/v1/opportunity-types", json={"name": "Autoconsumo solar", "states": [
        {"name": "Venta", "substates": [{"name": name} for name, *_ in FLOW]}]}), 201)
    type_id, state = created["opportunity_type_id"], created["states"][0]
    ok(admin.put(f"/v1/opportunity-types/{type_id}/states/{state['state_id']}/portal",
                 json={"public_name": {"es": "Tu proyecto"}}))
    substates = {s["name"]: s["substate_id"] for s in state["substates"]}
    for action, target in MAPPINGS.items():  # first: they reach the portal before the panels
        ok(admin.put(f"/v1/opportunity-types/{type_id}/external-actions/{action}",
                     json={"target_substate_id": substates[target]}))
    for name, panel, bindings, asks_privacy in FLOW:
        ok(admin.put(f"/v1/opportunity-types/{type_id}/substates/{substates[name]}/portal", json={
            "public_name": {"es": name}, "panel": panel,
            "fields": [{"field": fields[k], "required": r, "read_only": ro}
                       for k, r, ro in bindings],
            "conditions": [privacy] if asks_privacy else []}))
    return Solar(admin, type_id, substates, fields, privacy)


def open_in(services, solar: Solar, substate: str) -> tuple[str, httpx.Client]:
    opportunity_id = ok(solar.admin.post("/v1/opportunities", json={
        "opportunity_type_id": solar.type_id, "title": "Casa García", "locale": "es",
        "substate_id": solar.substates[substate]}), 201)["opportunity_id"]
    token = ok(solar.admin.post(f"/v1/opportunities/{opportunity_id}/portal-access"),
               201)["token"]
    customer = services.customer(token)
    eventually(lambda: view_of(customer, opportunity_id)["current"])
    return opportunity_id, customer


def view_of(customer: httpx.Client, opportunity_id: str) -> dict:
    response = customer.get(f"{PORTAL}/{opportunity_id}")
    return response.json() if response.status_code == 200 else {"current": None}


def reaches(customer, opportunity_id: str, solar: Solar, name: str) -> dict:
    """Wait until the customer's view shows `name` as the current step; return the view."""
    wanted = solar.substates[name]
    return eventually(lambda: (v := view_of(customer, opportunity_id))["current"]
                      and v["current"]["substate_id"] == wanted and v, 30)


def fields_of(view: dict) -> dict[str, dict]:
    return {f["key"]: f for f in view["current"]["panel"]["fields"]}


def upload(customer, url: str, name: str = "dni.pdf") -> dict:
    return ok(customer.post(url, files={"file": (name, PDF, "application/pdf")}), 202)


def test_a_customer_walks_the_whole_solar_flow(services):
    solar = configure(services)
    opp, customer = open_in(services, solar, "Documentación inicial")
    at = f"{PORTAL}/{opp}"

    # Initial documentation: blocked until the required file and the condition are both done.
    blocked = customer.post(f"{at}/complete")
    assert blocked.status_code == 422
    missing = blocked.json()["missing"]
    assert [f["key"] for f in missing["fields"]] == ["dni"]
    assert [c["condition_id"] for c in missing["conditions"]] == [solar.privacy]
    upload(customer, f"{at}/fields/{solar.fields['dni']}/document")
    still = customer.post(f"{at}/complete").json()["missing"]
    assert still["fields"] == [] and len(still["conditions"]) == 1
    ok(customer.post(f"{at}/conditions/{solar.privacy}/accept", json={"version": 1}), 202)
    ok(customer.post(f"{at}/complete"), 202)

    # Offer documentation: the same DNI field, now optional; the roof type is required.
    view = reaches(customer, opp, solar, "Documentación para la oferta")
    dni = fields_of(view)["dni"]
    assert (dni["required"], dni["read_only"], dni["value"]["file_name"]) == (
        False, False, "dni.pdf")
    ok(customer.put(f"{at}/fields/{solar.fields['roof']}", json={"value": "tile"}), 202)
    ok(customer.post(f"{at}/complete"), 202)

    # Drawing: the roof polygon, its area computed.
    reaches(customer, opp, solar, "Dibujo del tejado")
    area = ok(customer.put(f"{at}/drawing", json={"roof": ROOF}), 202)["roof_area_m2"]
    assert 180 < area < 192  # about 16.7 m by 11.1 m

    # Offer: accepting one rejects the other; accept-budget moves on.
    offers = [ok(solar.admin.post(f"/v1/opportunities/{opp}/offers", json={
        "title": f"{kw} kW", "amount": f"{kw * 1200}.00"}), 201)["offer_id"] for kw in (6, 8)]
    view = eventually(lambda: len((v := reaches(customer, opp, solar, "Oferta"))["current"]
                                  ["panel"]["offers"]) == 2 and v, 30)
    ok(customer.post(f"{at}/offers/{offers[0]}/accept"), 202)

    # Financing documentation: the DNI is shown read-only now.
    view = reaches(customer, opp, solar, "Documentación de financiación")
    assert fields_of(view)["dni"]["read_only"] is True
    assert customer.put(f"{at}/fields/{solar.fields['dni']}", json={"value": None}
                        ).status_code == 409
    ok(customer.put(f"{at}/fields/{solar.fields['iban']}", json={"value": "ES12 3456"}), 202)
    ok(customer.post(f"{at}/complete"), 202)
    back_office = ok(solar.admin.get(f"/v1/opportunities/{opp}"))
    assert back_office["offers"] == {offers[0]: "accepted", offers[1]: "rejected"}

    # Installer visit: what the back office assigned.
    reaches(customer, opp, solar, "Visita del instalador")
    ok(solar.admin.put(f"/v1/opportunities/{opp}/installer", json={
        "installer": {"name": "Luis Pérez", "phone": "+34 600 000 000"},
        "visit_at": "2026-12-03T09:30:00Z"}))
    eventually(lambda: (view_of(customer, opp)["current"]["panel"].get("installer") or {})
               .get("name") == "Luis Pérez")

    # Contract signing: download the contract, upload it signed; contract-signed moves on.
    document = ok(solar.admin.post("/v1/documents", files={
        "file": ("contrato.pdf", PDF, "application/pdf")}), 201)
    contract = ok(solar.admin.post(f"/v1/opportunities/{opp}/contracts", json={
        "title": "Contrato", "document_id": document["document_id"]}), 201)["contracts"][0]
    ok(solar.admin.post(f"/v1/opportunities/{opp}/substate", json={
        "substate_id": solar.substates["Firma del contrato"], "reason": "visita hecha"}))
    view = eventually(lambda: (v := reaches(customer, opp, solar, "Firma del contrato"))
                      ["current"]["panel"]["contracts"] and v)
    shown = view["current"]["panel"]["contracts"][0]
    assert customer.get(shown["document"]["download_url"]).content == PDF
    upload(customer, f"{at}/contracts/{contract['contract_id']}/signed", "firmado.pdf")

    # Installation documentation, then the end of the process.
    reaches(customer, opp, solar, "Documentación de instalación")
    upload(customer, f"{at}/fields/{solar.fields['permit']}/document", "licencia.pdf")
    ok(customer.post(f"{at}/complete"), 202)
    view = reaches(customer, opp, solar, "Proyecto finalizado")
    assert view["current"]["panel"]["text"] == "¡Instalación terminada!"
    history = [c["type"] for c in ok(solar.admin.get(f"/v1/opportunities/{opp}/history"))]
    assert history.count("portalflow.opportunity.substate-changed.v1") == 8


def test_a_lost_project_is_reactivated_only_while_the_org_allows_it(services):
    solar = configure(services)
    opp, customer = open_in(services, solar, "Proyecto cerrado")
    panel = view_of(customer, opp)["current"]["panel"]
    assert (panel["text"], panel["reactivation_available"]) == ("Proyecto cerrado.", True)
    ok(customer.post(f"{PORTAL}/{opp}/reactivate"), 202)
    reaches(customer, opp, solar, "Documentación inicial")

    ok(solar.admin.put("/v1/portal-settings", json={**SETTINGS, "reactivation_enabled": False}))
    later, later_customer = open_in(services, solar, "Proyecto cerrado")
    eventually(lambda: view_of(later_customer, later)["current"]["panel"]
               ["reactivation_available"] is False)
    refused = later_customer.post(f"{PORTAL}/{later}/reactivate")
    assert refused.status_code == 409 and "disabled" in refused.json()["detail"]
