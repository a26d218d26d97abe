"""What the customer sees in the portal, configured through the admin API, read over HTTP."""

from dataclasses import dataclass

import httpx
import pytest
from flows import ok

from portalflow_devstack.testing import eventually

PDF = b"%PDF-1.7\n" + b"1" * 1024
SETTINGS = {"locales": ["es", "it"], "default_locale": "es", "reactivation_enabled": True,
            "end_of_process_texts": {"success": {"es": "¡Instalación terminada!",
                                                 "it": "Impianto terminato!"},
                                     "failure": {"es": "Proyecto cerrado",
                                                 "it": "Progetto chiuso"}},
            "branding": {"company_name": "Sol SL", "logo_url": "https://sol.example/logo.png",
                         "colour": "#f5a623"}}
# internal name → panel; each substate's public name is "es:<name>" / "it:<name>"
SUBSTATES = {"docs": "initial-documentation", "visit": "installer-visit",
             "sign": "contract-signing", "roof": "drawing", "done": "finalization-success",
             "failed": "finalization-failed", "info": None}


@dataclass
class Portal:
    admin: httpx.Client
    customer: httpx.Client
    opportunity_id: str
    substates: dict[str, str]  # internal name → id
    fields: dict[str, str]  # key → id
    conditions: dict[str, str]  # name → id

    @property
    def url(self) -> str:
        return f"/v1/portal/opportunities/{self.opportunity_id}"

    def move(self, name: str) -> None:
        ok(self.admin.post(f"/v1/opportunities/{self.opportunity_id}/substate",
                           json={"substate_id": self.substates[name]}))

    def view_when(self, check, **headers) -> dict:
        """The customer's view once `check(view)` holds: the projection is asynchronous."""
        def seen():
            response = self.customer.get(self.url, headers=headers)
            try:
                return response.status_code == 200 and check(response.json()) and response.json()
            except (TypeError, KeyError, IndexError):  # not everything is projected yet
                return None
        return eventually(seen)

    def panel_of(self, name: str, **headers) -> dict:
        """Move the opportunity to substate `name`; the panel the customer then sees."""
        self.move(name)
        view = self.view_when(lambda v: v["current"] and
                              v["current"]["substate_id"] == self.substates[name], **headers)
        return view["current"]["panel"]


def field(key: str, label_it: str, field_type: str, **extra) -> dict:
    return {"key": key, "label": {"es": key.upper(), "it": label_it}, "type": field_type,
            **extra}


def configure(services, settings: dict = SETTINGS, locale: str | None = None) -> Portal:
    """An org with settings, fields and a condition; a flow with a substate per panel."""
    admin = services.admin()
    ok(admin.put("/v1/portal-settings", json=settings))

    def spanish(text: str, italian: str) -> dict:  # Italian only where the org's default
        return {"es": text, **({"it": italian} if settings["default_locale"] == "it" else {})}

    fields = {f["key"]: ok(admin.post("/v1/dynamic-fields", json=f), 201)["field_id"] for f in [
        field("dni", "Documento", "text"), field("bill", "Bolletta", "file"),
        field("supply", "Fornitura", "select", options=[
            {"value": "mono", "label": {"es": "Monofásica", "it": "Monofase"}},
            {"value": "tri", "label": spanish("Trifásica", "Trifase")}])]}
    privacy = ok(admin.post("/v1/conditions", json={
        "title": {"es": "Privacidad", "it": "Privacy"},
        "text": {"es": "Acepto la política.", "it": "Accetto l'informativa."}}), 201)
    created = ok(admin.post("/v1/opportunity-types", json={"name": "Solar", "states": [
        {"name": "Proyecto", "icon": "sun", "colour": "#ffaa00",
         "substates": [{"name": name} for name in SUBSTATES]}]}), 201)
    type_url = f"/v1/opportunity-types/{created['opportunity_type_id']}"
    state = created["states"][0]
    ok(admin.put(f"{type_url}/states/{state['state_id']}/portal",
                 json={"public_name": {"es": "Proyecto", "it": "Progetto"}}))
    substates = {sub["name"]: sub["substate_id"] for sub in state["substates"]}
    for name, panel in SUBSTATES.items():
        docs = name == "docs"
        ok(admin.put(f"{type_url}/substates/{substates[name]}/portal", json={
            "public_name": {"es": f"es:{name}", "it": f"it:{name}"},
            "description": spanish(f"Paso {name}", f"Passo {name}"), "panel": panel,
            "fields": [{"field": fields["dni"], "required": True},
                       {"field": fields["bill"], "read_only": True},
                       {"field": fields["supply"]}] if docs else [],
            "conditions": [privacy["condition_id"]] if docs else []}))
    opportunity_id = ok(admin.post("/v1/opportunities", json={
        "opportunity_type_id": created["opportunity_type_id"], "title": "Casa García",
        "substate_id": substates["docs"], "locale": locale}), 201)["opportunity_id"]
    token = ok(admin.post(f"/v1/opportunities/{opportunity_id}/portal-access"), 201)["token"]
    portal = Portal(admin, services.customer(token), opportunity_id, substates, fields,
                    {"privacy": privacy["condition_id"]})
    # Flow and opportunity events travel on two topics: wait until the whole flow shows.
    portal.view_when(lambda v: len(v["states"][0]["substates"]) == len(SUBSTATES))
    return portal


@pytest.fixture
def portal(services) -> Portal:
    return configure(services)


def test_the_documentation_panel_shows_the_bound_fields_and_a_shared_file(portal, services):
    document = ok(portal.admin.post("/v1/documents", files={
        "file": ("factura.pdf", PDF, "application/pdf")}), 201)
    values = f"/v1/opportunities/{portal.opportunity_id}/fields"
    ok(portal.admin.put(f"{values}/{portal.fields['dni']}", json={"value": "12345678Z"}))
    ok(portal.admin.put(f"{values}/{portal.fields['bill']}",
                        json={"value": {"document_id": document["document_id"]}}))

    view = portal.view_when(lambda v: v["current"]["panel"]["fields"][1]["value"],
                            **{"Accept-Language": "it"})

    current = view["current"]
    assert (current["public_name"], current["description"]) == ("it:docs", "Paso docs")
    dni, bill, supply = current["panel"]["fields"]
    assert current["panel"]["key"] == "initial-documentation"
    assert dni == {"field_id": portal.fields["dni"], "key": "dni", "label": "Documento",
                   "type": "text", "options": [], "required": True, "read_only": False,
                   "value": "12345678Z", "download_url": None}
    assert (bill["label"], bill["read_only"], bill["required"]) == ("Bolletta", True, False)
    assert bill["value"]["document_id"] == document["document_id"]
    assert bill["value"]["file_name"] == "factura.pdf"
    assert bill["download_url"] == f"{portal.url}/documents/{document['document_id']}"
    assert supply["options"] == [{"value": "mono", "label": "Monofase"},
                                 {"value": "tri", "label": "Trifásica"}]
    assert current["conditions"] == [{
        "condition_id": portal.conditions["privacy"], "version": 1, "title": "Privacy",
        "text": "Accetto l'informativa."}]
    assert view["branding"] == SETTINGS["branding"] and view["locale"] == "it"
    assert view["states"][0]["icon"] == "sun"


def test_a_revised_condition_is_asked_for_at_its_new_version(portal):
    privacy = f"/v1/conditions/{portal.conditions['privacy']}"
    ok(portal.admin.post(f"{privacy}/revisions", json={
        "title": {"es": "Privacidad"}, "text": {"es": "Nueva política."}}), 201)
    view = portal.view_when(lambda v: v["current"]["conditions"][0]["version"] == 2)
    assert view["current"]["conditions"][0]["text"] == "Nueva política."
    ok(portal.admin.post(f"{privacy}/retire"))
    portal.view_when(lambda v: v["current"]["conditions"] == [])


def test_the_installer_visit_panel_shows_the_installer_and_the_visit(portal):
    assert portal.panel_of("visit") == {"key": "installer-visit", "fields": [],
                                        "installer": None, "visit_at": None}
    installer = {"name": "Luis Pérez", "company": "SolTec", "phone": "+34 600 000 000",
                 "email": "luis@soltec.es"}
    ok(portal.admin.put(f"/v1/opportunities/{portal.opportunity_id}/installer",
                        json={"installer": installer, "visit_at": "2026-12-03T09:30:00Z"}))
    panel = portal.view_when(lambda v: v["current"]["panel"]["installer"])["current"]["panel"]
    assert panel["installer"] == installer
    assert panel["visit_at"] == "2026-12-03T09:30:00Z"


def test_the_contract_signing_panel_lists_contracts_to_download(portal):
    assert portal.panel_of("sign")["contracts"] == []
    for title in ("Contrato", "Anexo"):
        document = ok(portal.admin.post("/v1/documents", files={
            "file": (f"{title}.pdf", PDF, "application/pdf")}), 201)
        ok(portal.admin.post(f"/v1/opportunities/{portal.opportunity_id}/contracts", json={
            "title": title, "document_id": document["document_id"]}), 201)

    view = portal.view_when(lambda v: len(v["current"]["panel"]["contracts"]) == 2)

    contract, annex = view["current"]["panel"]["contracts"]
    assert (contract["title"], annex["title"]) == ("Contrato", "Anexo")  # in the order issued
    assert contract["document"]["file_name"] == "Contrato.pdf"
    assert contract["document"]["download_url"] == (
        f"{portal.url}/documents/{contract['document']['document_id']}")
    assert contract["signed_document"] is None


def test_the_drawing_panel_has_no_roof_until_one_is_drawn(portal):
    assert portal.panel_of("roof") == {"key": "drawing", "fields": [], "drawing": None}


def test_finalization_panels_show_the_orgs_texts_and_the_reactivation_switch(portal):
    assert portal.panel_of("done", **{"Accept-Language": "it"}) == {
        "key": "finalization-success", "fields": [], "text": "Impianto terminato!"}
    assert portal.panel_of("failed") == {"key": "finalization-failed", "fields": [],
                                         "text": "Proyecto cerrado",
                                         "reactivation_available": True}
    ok(portal.admin.put("/v1/portal-settings", json={**SETTINGS, "reactivation_enabled": False}))
    portal.view_when(lambda v: v["current"]["panel"]["reactivation_available"] is False)


def test_a_substate_without_panel_only_informs(portal):
    assert portal.panel_of("info") is None
    view = portal.view_when(lambda v: True)
    assert view["current"] == {"substate_id": portal.substates["info"],
                               "public_name": "es:info", "description": "Paso info",
                               "panel": None, "conditions": []}
    assert view["steps"]["previous"]["public_name"] == "es:failed"


def test_texts_follow_accept_language_then_the_opportunity_then_the_org(services):
    italian_org = {**SETTINGS, "default_locale": "it"}
    spanish_customer = configure(services, italian_org, locale="es")
    unknown_customer = configure(services, italian_org)

    def name(portal: Portal, **headers) -> str:
        view = portal.view_when(lambda v: v["current"], **headers)
        return view["current"]["public_name"], view["locale"]

    assert name(spanish_customer, **{"Accept-Language": "it-IT, es;q=0.5"}) == ("it:docs", "it")
    assert name(spanish_customer) == ("es:docs", "es")
    assert name(spanish_customer, **{"Accept-Language": "fr"}) == ("es:docs", "es")
    assert name(unknown_customer) == ("it:docs", "it")
    assert name(unknown_customer, **{"Accept-Language": "es"}) == ("es:docs", "es")


def test_the_etag_answers_304_until_the_view_changes(portal):
    first = portal.view_when(lambda v: v["current"])
    response = portal.customer.get(portal.url)
    etag = response.headers["ETag"]
    assert response.json() == first and response.headers["Cache-Control"] == "no-store"

    unchanged = portal.customer.get(portal.url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    italian = portal.customer.get(portal.url, headers={"If-None-Match": etag,
                                                       "Accept-Language": "it"})
    assert italian.status_code == 200 and italian.headers["ETag"] != etag

    ok(portal.admin.put(f"/v1/opportunities/{portal.opportunity_id}/fields/"
                        f"{portal.fields['dni']}", json={"value": "X1234567L"}))
    changed = eventually(lambda: (r := portal.customer.get(
        portal.url, headers={"If-None-Match": etag})).status_code == 200 and r)
    assert changed.headers["ETag"] != etag
    assert changed.json()["current"]["panel"]["fields"][0]["value"] == "X1234567L"


def test_another_opportunity_is_not_found(portal, services):
    other = configure(services)
    portal.view_when(lambda v: True)
    other.view_when(lambda v: True)
    for url in (other.url, "/v1/portal/opportunities/nope"):
        refused = portal.customer.get(url)
        assert refused.status_code == 404, refused.text
        assert portal.customer.get(f"{url}/events").status_code == 404
    assert services.portal_client().get(portal.url).status_code == 401
