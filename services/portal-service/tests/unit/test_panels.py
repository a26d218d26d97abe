"""Each panel as the customer sees it, and the locale its texts are in: pure view building."""

import json

import pytest
from pydantic_core import to_json

from portalflow_contracts.events.flow import (
    FieldBinding,
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_portal.domain import definition, field_state, view
from portalflow_portal.domain.locales import preferred
from portalflow_portal.entrypoints.schemas import PortalView

OPP = "opp-1"
DOC = {"document_id": "d-1", "sha256": "a" * 64, "file_name": "factura.pdf",
       "content_type": "application/pdf", "size": 2048}
CONTRACT = {**DOC, "document_id": "d-2", "file_name": "contrato.pdf"}
SIGNED = {**DOC, "document_id": "d-3", "file_name": "firmado.pdf"}

FIELDS = {
    "f-dni": {"key": "dni", "label": {"es": "DNI", "it": "Documento"}, "type": "text",
              "options": [], "retired": False},
    "f-bill": {"key": "bill", "label": {"es": "Factura"}, "type": "file", "options": [],
               "retired": False},
    "f-supply": {"key": "supply", "label": {"es": "Suministro", "it": "Fornitura"},
                 "type": "select", "retired": False,
                 "options": [{"value": "mono", "label": {"es": "Monofásica", "it": "Monofase"}},
                             {"value": "tri", "label": {"es": "Trifásica"}}]},
    "f-old": {"key": "old", "label": {"es": "Antiguo"}, "type": "text", "options": [],
              "retired": True},
}
CONDITIONS = {
    "c-privacy": {"title": {"es": "Privacidad", "it": "Privacy"},
                  "text": {"es": "Acepto.", "it": "Accetto."}, "version": 2, "retired": False},
    "c-terms": {"title": {"es": "Términos"}, "text": {"es": "Sí."}, "version": 1,
                "retired": False},
    "c-gone": {"title": {"es": "Retirada"}, "text": {"es": "No."}, "version": 1,
               "retired": True},
}
SETTINGS = {"locales": ["es", "it"], "default_locale": "es", "reactivation_enabled": True,
            "end_of_process_texts": {"success": {"es": "¡Instalación terminada!",
                                                 "it": "Impianto finito!"},
                                     "failure": {"es": "Proyecto cerrado"}},
            "branding": {"company_name": "Sol SL", "logo_url": "https://sol.example/l.png",
                         "colour": "#f5a623"}}
PANELS = ["initial-documentation", "drawing", "offer", "installer-visit", "contract-signing",
          "finalization-success", "finalization-failed", None]


def sid(panel: str | None) -> str:
    return panel or "info"


def flow(bindings: tuple[FieldBinding, ...] = (), conditions: tuple[str, ...] = ()) -> dict:
    """One visible state whose substates show each panel; the first binds `bindings`."""
    changes = [
        OpportunityTypeCreated(opportunity_type_id="t", name="Solar", states=(StateDefinition(
            state_id="s", name="S", substates=tuple(
                SubstateDefinition(substate_id=sid(p), name=sid(p)) for p in PANELS)),)),
        StatePortalInfoSaved(opportunity_type_id="t", state_id="s",
                             public_name={"es": "Proyecto", "it": "Progetto"}),
        *[SubstatePortalConfigSaved(
            opportunity_type_id="t", substate_id=sid(p), panel=p,
            public_name={"es": f"es:{sid(p)}", "it": f"it:{sid(p)}"},
            description={"es": f"Paso {sid(p)}"},
            fields=bindings if p == PANELS[0] else (), conditions=conditions)
          for p in PANELS]]
    state = None
    for change in changes:
        state = definition.apply(state, change)
    return state


def opportunity(panel: str | None, **read_model) -> dict:
    return {"opportunity_id": OPP, "title": "Casa", "substate_id": sid(panel),
            "visited": [sid(panel)], "offers": {}, "fields": {}, "accepted_conditions": {},
            "installer": None, "contracts": {}, "drawing": None, **read_model}


def current(panel: str | None, locales=("es",), settings=SETTINGS, bindings=(),
            conditions=(), **read_model) -> dict:
    catalog = view.Catalog(settings, FIELDS, CONDITIONS)
    shown = view.build(flow(bindings, conditions), opportunity(panel, **read_model),
                       list(locales), catalog)
    return documented(shown)["current"]


def documented(shown: dict) -> dict:
    """The view is sent as built: it must be exactly what the documented schema describes."""
    as_documented = PortalView.model_validate(shown).model_dump(mode="json", exclude_unset=True)
    assert shape(json.loads(to_json(shown))) == shape(as_documented)  # no key more, none less
    return shown


def shape(value):
    """The keys of a JSON value, all the way down."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return [shape(item) for item in value] if isinstance(value, list) else None


BINDINGS = (FieldBinding(field="f-dni", required=True),
            FieldBinding(field="f-bill", read_only=True),
            FieldBinding(field="f-supply"),
            FieldBinding(field="f-old", required=False),
            FieldBinding(field="f-never-projected", required=True))


def test_a_documentation_panel_shows_its_bound_fields_with_flags_and_values():
    values = {"f-dni": field_state.confirmed(None, "12345678Z", caused_by=None),
              "f-bill": field_state.confirmed(None, DOC, caused_by=None),
              "f-old": field_state.confirmed(None, "kept", caused_by=None)}
    panel = current("initial-documentation", locales=["it"], bindings=BINDINGS,
                    fields=values)["panel"]
    assert panel["key"] == "initial-documentation"
    by_key = {f["key"]: f for f in panel["fields"]}
    assert list(by_key) == ["dni", "bill", "supply", "old"]  # binding order; unknown skipped
    assert by_key["dni"] == {
        "field_id": "f-dni", "key": "dni", "label": "Documento", "type": "text", "options": [],
        "required": True, "read_only": False, "value": "12345678Z", "download_url": None}
    assert by_key["bill"]["read_only"] and by_key["bill"]["value"] == DOC
    assert by_key["bill"]["download_url"] == f"/v1/portal/opportunities/{OPP}/documents/d-1"
    assert by_key["supply"]["label"] == "Fornitura" and by_key["supply"]["value"] is None
    assert by_key["supply"]["options"] == [{"value": "mono", "label": "Monofase"},
                                           {"value": "tri", "label": "Trifásica"}]
    # a retired field keeps its value but can no longer be changed or demanded
    assert (by_key["old"]["value"], by_key["old"]["read_only"], by_key["old"]["required"]) == (
        "kept", True, False)


def test_a_field_shows_the_customers_write_until_its_echo_or_refusal():
    state = field_state.customer_wrote(field_state.confirmed(None, "old", None), "mine", 7)
    [dni] = current("initial-documentation", bindings=BINDINGS[:1],
                    fields={"f-dni": state})["panel"]["fields"]
    assert dni["value"] == "mine"
    [dni] = current("initial-documentation", bindings=BINDINGS[:1],
                    fields={"f-dni": field_state.rejected(state, 7)})["panel"]["fields"]
    assert dni["value"] == "old"


def test_conditions_to_accept_are_those_not_accepted_at_their_current_version():
    step = current(None, locales=["it"], conditions=("c-privacy", "c-terms", "c-gone"),
                   accepted_conditions={"c-privacy": 1, "c-terms": 1})
    assert step["panel"] is None  # no panel: information only, conditions still asked for
    assert step["conditions"] == [{"condition_id": "c-privacy", "version": 2,
                                   "title": "Privacy", "text": "Accetto."}]
    accepted = current(None, conditions=("c-privacy",), accepted_conditions={"c-privacy": 2})
    assert accepted["conditions"] == []


def test_the_drawing_panel_shows_the_submitted_roof_once_there_is_one():
    assert current("drawing")["panel"] == {"key": "drawing", "fields": [], "drawing": None}
    roof = {"type": "FeatureCollection", "features": []}
    drawn = current("drawing", drawing={"roof": roof, "roof_area_m2": 42.5})["panel"]
    assert drawn["drawing"] == {"roof": roof, "roof_area_m2": 42.5}


def test_the_installer_visit_panel_shows_the_installer_and_the_visit():
    assert current("installer-visit")["panel"] == {
        "key": "installer-visit", "fields": [], "installer": None, "visit_at": None}
    installer = {"name": "Luis", "company": "SolTec", "phone": None, "email": None}
    panel = current("installer-visit", installer={
        "installer": installer, "visit_at": "2026-12-03T09:30:00Z"})["panel"]
    assert (panel["installer"], panel["visit_at"]) == (installer, "2026-12-03T09:30:00Z")


def test_the_contract_signing_panel_lists_contracts_to_download_and_signed_copies():
    contracts = {
        "k-2": {"title": "Anexo", "document": DOC, "signed_document": SIGNED,
                "issued_at": "2026-11-02T10:00:00+00:00"},
        "k-1": {"title": "Contrato", "document": CONTRACT, "signed_document": None,
                "issued_at": "2026-11-01T10:00:00+00:00"}}
    panel = current("contract-signing", contracts=contracts)["panel"]
    assert [(c["contract_id"], c["title"]) for c in panel["contracts"]] == [
        ("k-1", "Contrato"), ("k-2", "Anexo")]  # in the order issued
    first, second = panel["contracts"]
    assert first["document"] == {
        "document_id": "d-2", "file_name": "contrato.pdf", "content_type": "application/pdf",
        "size": 2048, "download_url": f"/v1/portal/opportunities/{OPP}/documents/d-2"}
    assert first["signed_document"] is None
    assert second["signed_document"]["download_url"].endswith("/documents/d-3")


@pytest.mark.parametrize(("locales", "text"), [(["it"], "Impianto finito!"),
                                               (["es"], "¡Instalación terminada!")])
def test_finalization_success_shows_the_orgs_end_of_process_text(locales, text):
    assert current("finalization-success", locales=locales)["panel"] == {
        "key": "finalization-success", "fields": [], "text": text}


def test_finalization_failed_offers_reactivation_only_when_the_org_enables_it():
    panel = current("finalization-failed", locales=["it"])["panel"]
    assert panel == {"key": "finalization-failed", "fields": [], "text": "Proyecto cerrado",
                     "reactivation_available": True}
    disabled = current("finalization-failed", settings={**SETTINGS,
                                                        "reactivation_enabled": False})
    assert disabled["panel"]["reactivation_available"] is False
    unset = current("finalization-failed", settings=None)["panel"]
    assert (unset["text"], unset["reactivation_available"]) == (None, False)


def test_the_view_carries_the_orgs_branding_and_its_locale():
    shown = view.build(flow(), opportunity(None), ["it", "es"], view.Catalog(SETTINGS))
    assert shown["branding"] == SETTINGS["branding"] and shown["locale"] == "it"
    assert shown["current"]["public_name"] == "it:info"
    assert shown["current"]["description"] == "Paso info"  # no Italian text: the next locale
    assert view.build(flow(), opportunity(None), ["es"])["branding"] is None


@pytest.mark.parametrize(("accepted", "opportunity_locale", "settings", "expected"), [
    (["it", "es"], "es", SETTINGS, ["it", "es"]),      # Accept-Language first
    ([], "it", SETTINGS, ["it", "es"]),                # else the opportunity's locale
    (["fr"], None, SETTINGS, ["es"]),                  # an unsupported one is passed over
    ([], None, {**SETTINGS, "default_locale": "it"}, ["it", "es"]),  # else the org's default
    ([], None, None, ["es"]),                          # else the service's default
    (["fr"], "de", None, ["fr", "de", "es"]),          # no settings saved: nothing to filter
])
def test_the_locale_is_the_customers_then_the_opportunitys_then_the_orgs_then_ours(
        accepted, opportunity_locale, settings, expected):
    assert preferred(accepted, opportunity_locale, settings, "es") == expected
