"""Customer actions checked against the current step: given a situation, what fits and what not."""

import pytest

from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    FieldBinding,
    OpportunityTypeCreated,
    StateDefinition,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import PanelKey
from portalflow_portal.domain import actions, definition, field_state
from portalflow_portal.domain.actions import Situation
from portalflow_portal.domain.errors import (
    ActionNotAllowedError,
    InvalidActionError,
    NotFoundError,
    StepIncompleteError,
)

FIELDS = {
    "f-dni": {"key": "dni", "label": {"es": "DNI", "it": "Documento"}, "type": "text",
              "options": [], "retired": False},
    "f-bill": {"key": "bill", "label": {"es": "Factura"}, "type": "file", "options": [],
               "retired": False},
    "f-supply": {"key": "supply", "label": {"es": "Suministro"}, "type": "select",
                 "options": [{"value": "mono", "label": {"es": "Monofásica"}},
                             {"value": "tri", "label": {"es": "Trifásica"}}],
                 "retired": False},
    "f-power": {"key": "power", "label": {"es": "Potencia"}, "type": "number", "options": [],
                "retired": False},
    "f-plan": {"key": "plan", "label": {"es": "Plano"}, "type": "file", "options": [],
               "retired": False},
    "f-old": {"key": "old", "label": {"es": "Antiguo"}, "type": "text", "options": [],
              "retired": True},
    "f-iban": {"key": "iban", "label": {"es": "IBAN"}, "type": "text", "options": [],
               "retired": False},
}
BINDINGS = [FieldBinding(field="f-dni", required=True),
            FieldBinding(field="f-bill", required=True),
            FieldBinding(field="f-supply"), FieldBinding(field="f-power"),
            FieldBinding(field="f-plan", read_only=True),
            FieldBinding(field="f-old", required=True)]
CONDITIONS = {"c-privacy": {"title": {"es": "Privacidad"}, "text": {"es": "…"}, "version": 2,
                            "retired": False},
              "c-terms": {"title": {"es": "Términos"}, "text": {"es": "…"}, "version": 1,
                          "retired": False},
              "c-gone": {"title": {"es": "Antigua"}, "text": {"es": "…"}, "version": 1,
                         "retired": True},
              "c-elsewhere": {"title": {"es": "Otra"}, "text": {"es": "…"}, "version": 1,
                              "retired": False}}
DOCUMENT = {"document_id": "d-1", "sha256": "a" * 64, "file_name": "factura.pdf",
            "content_type": "application/pdf", "size": 10}


def flow(panel: str | None, mapped: tuple[str, ...] = ()) -> dict:
    """A one-substate flow showing `panel` with BINDINGS and three conditions."""
    events = [
        OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
            StateDefinition(state_id="start", name="Start", substates=(
                SubstateDefinition(substate_id="here", name="Here"),
                SubstateDefinition(substate_id="next", name="Next"))),)),
        SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id="here", panel=panel,
                                  public_name={"es": "Aquí"}, fields=tuple(BINDINGS),
                                  conditions=("c-privacy", "c-terms", "c-gone")),
        *[ExternalActionMapped(opportunity_type_id="solar", action=action,
                               target_substate_id="next") for action in mapped]]
    result = None
    for event in events:
        result = definition.apply(result, event)
    return result


def given(panel: str | None = "initial-documentation", *, fields: dict | None = None,
          accepted: dict | None = None, offers: dict | None = None,
          contracts: dict | None = None, settings: dict | None = None,
          mapped: tuple[str, ...] = ("initial-documentation-completed",)) -> Situation:
    opportunity = {"opportunity_id": "o-1", "substate_id": "here", "fields": fields or {},
                   "accepted_conditions": accepted or {}, "offers": offers or {},
                   "contracts": contracts or {}, "locale": None}
    return Situation(opportunity, flow(panel, mapped), FIELDS, CONDITIONS, settings)


def refused(error: type, call, *args) -> str:
    with pytest.raises(error) as raised:
        call(*args)
    return str(raised.value)


# Fields ------------------------------------------------------------------------------------

def test_an_editable_field_of_the_documentation_panel_can_be_set():
    assert actions.field_to_set(given(), "f-dni") == FIELDS["f-dni"]
    assert actions.value_to_set("f-supply", FIELDS["f-supply"], "tri") == "tri"
    assert actions.value_to_set("f-power", FIELDS["f-power"], "5.75") == 5.75
    assert actions.value_to_set("f-dni", FIELDS["f-dni"], "   ") is None  # blank clears
    assert actions.value_to_set("f-bill", FIELDS["f-bill"], None) is None


@pytest.mark.parametrize(("situation", "field_id", "error", "says"), [
    (given(), "f-nope", NotFoundError, "field f-nope not found"),
    (given("drawing"), "f-dni", ActionNotAllowedError,
     "fields can be filled in only on a documentation panel; the current step shows drawing"),
    (given(None), "f-dni", ActionNotAllowedError, "the current step shows no panel"),
    (given(), "f-iban", ActionNotAllowedError, "field 'iban' is not on the current step's panel"),
    (given(), "f-plan", ActionNotAllowedError, "field 'plan' is read-only on the current step"),
    (given(), "f-old", ActionNotAllowedError, "field 'old' is retired"),
])
def test_a_field_off_the_panel_read_only_or_unknown_is_refused(situation, field_id, error, says):
    assert says in refused(error, actions.field_to_set, situation, field_id)


@pytest.mark.parametrize(("field_id", "value", "says"), [
    ("f-power", "lots", "field 'power' expects a number such as 42 or 3.5"),
    ("f-supply", "bi", "field 'supply' expects one of ['mono', 'tri']; got 'bi'"),
    ("f-dni", 12, "field 'dni' expects text of at most 1,000 characters"),
    ("f-bill", DOCUMENT, "field 'bill' is a file field: upload the document with POST "
                         "fields/f-bill/document; null clears it"),
])
def test_a_value_the_field_does_not_take_is_refused_at_body_value(field_id, value, says):
    with pytest.raises(InvalidActionError) as raised:
        actions.value_to_set(field_id, FIELDS[field_id], value)
    [(loc, message)] = raised.value.problems
    assert loc == ("body", "value") and says in message


def test_only_an_editable_file_field_takes_an_upload():
    assert actions.file_field_to_upload(given(), "f-bill") == FIELDS["f-bill"]
    with pytest.raises(InvalidActionError) as raised:
        actions.file_field_to_upload(given(), "f-dni")
    [(loc, message)] = raised.value.problems
    assert loc == ("path", "field_id") and "'dni' is a text field" in message
    assert "read-only" in refused(ActionNotAllowedError, actions.file_field_to_upload,
                                  given(), "f-plan")


# Conditions --------------------------------------------------------------------------------

def test_a_condition_of_the_step_is_accepted_at_its_current_version_only():
    actions.condition_to_accept(given(), "c-privacy", 2)
    actions.condition_to_accept(given(None), "c-terms", 1)  # any panel asks for conditions
    assert refused(ActionNotAllowedError, actions.condition_to_accept, given(), "c-privacy",
                   1) == ("condition c-privacy is at version 2, not 1: read version 2 and "
                          "accept that one")
    assert refused(ActionNotAllowedError, actions.condition_to_accept,
                   given(accepted={"c-privacy": 2}), "c-privacy", 2) == (
        "condition c-privacy is already accepted at version 2")


@pytest.mark.parametrize(("condition_id", "error", "says"), [
    ("c-nope", NotFoundError, "condition c-nope not found"),
    ("c-elsewhere", ActionNotAllowedError, "condition c-elsewhere is not asked for on the "
                                           "current step"),
    ("c-gone", ActionNotAllowedError, "condition c-gone is not asked for"),
])
def test_a_condition_not_asked_for_here_is_refused(condition_id, error, says):
    assert says in refused(error, actions.condition_to_accept, given(), condition_id, 1)


# Completing a step -------------------------------------------------------------------------

def test_completing_lists_exactly_the_required_fields_and_conditions_missing():
    situation = given(fields={"f-dni": field_state.confirmed(None, None, caused_by=None),
                              "f-bill": field_state.customer_wrote(None, DOCUMENT, 3)},
                      accepted={"c-privacy": 1, "c-terms": 1})
    with pytest.raises(StepIncompleteError) as raised:
        actions.step_to_complete(situation, ["it", "es"])
    assert raised.value.missing == {
        "fields": [{"field_id": "f-dni", "key": "dni", "label": "Documento"}],
        "conditions": [{"condition_id": "c-privacy", "version": 2, "title": "Privacidad"}]}
    assert "missing" in str(raised.value)


def test_a_whole_step_completes_with_its_panel():
    situation = given(fields={"f-dni": field_state.confirmed(None, "X1", caused_by=None),
                              "f-bill": field_state.customer_wrote(None, DOCUMENT, 3)},
                      accepted={"c-privacy": 2, "c-terms": 1})
    assert actions.missing(situation, ["es"]) == {"fields": [], "conditions": []}
    assert actions.step_to_complete(situation, ["es"]) is PanelKey.INITIAL_DOCUMENTATION


def test_completing_needs_a_documentation_panel_and_a_next_substate():
    assert refused(ActionNotAllowedError, actions.step_to_complete, given("offer"), ["es"]) == (
        "a step can be completed only on a documentation panel; the current step shows offer")
    assert refused(ActionNotAllowedError, actions.step_to_complete, given(mapped=()),
                   ["es"]) == ("this step cannot be completed in the portal: the org has not "
                               "mapped the external action initial-documentation-completed to "
                               "a next substate")


# Offers, contracts, reactivation -----------------------------------------------------------

def test_only_an_open_offer_on_the_offer_panel_is_accepted():
    offers = {"of-1": {"status": "open"}, "of-2": {"status": "rejected"}}
    actions.offer_to_accept(given("offer", offers=offers), "of-1")
    assert refused(ActionNotAllowedError, actions.offer_to_accept,
                   given(offers=offers), "of-1") == (
        "offers can be accepted only on the offer panel; the current step shows "
        "initial-documentation")
    assert refused(ActionNotAllowedError, actions.offer_to_accept,
                   given("offer", offers=offers), "of-2") == "offer of-2 is rejected, not open"
    assert refused(NotFoundError, actions.offer_to_accept, given("offer"), "of-3") == (
        "offer of-3 not found")


def test_a_signed_contract_goes_to_a_contract_of_the_contract_signing_panel():
    contracts = {"k-1": {"title": "Contrato", "document": DOCUMENT, "signed_document": None}}
    actions.contract_to_sign(given("contract-signing", contracts=contracts), "k-1")
    assert refused(NotFoundError, actions.contract_to_sign,
                   given("contract-signing", contracts=contracts), "k-2") == (
        "contract k-2 not found")
    assert "only on the contract-signing panel" in refused(
        ActionNotAllowedError, actions.contract_to_sign, given(contracts=contracts), "k-1")


@pytest.mark.parametrize(("situation", "says"), [
    (given("finalization-success", settings={"reactivation_enabled": True},
           mapped=("show-flow-reactivation",)),
     "reactivation can be requested only on the finalization-failed panel; the current step "
     "shows finalization-success"),
    (given("finalization-failed", settings={"reactivation_enabled": False},
           mapped=("show-flow-reactivation",)),
     "reactivation is disabled in the org's portal settings"),
    (given("finalization-failed", settings=None, mapped=("show-flow-reactivation",)),
     "reactivation is disabled in the org's portal settings"),
    (given("finalization-failed", settings={"reactivation_enabled": True}),
     "reactivation is not available: the org has not mapped the external action "
     "show-flow-reactivation to a next substate"),
])
def test_reactivation_needs_the_panel_the_setting_and_a_mapping(situation, says):
    assert refused(ActionNotAllowedError, actions.reactivation, situation) == says


def test_reactivation_is_requested_when_all_three_fit():
    actions.reactivation(given("finalization-failed", settings={"reactivation_enabled": True},
                               mapped=("show-flow-reactivation",)))


# Documents ---------------------------------------------------------------------------------

def test_documents_referenced_by_fields_and_contracts_are_the_opportunitys():
    shared, pending, contract, signed = (
        {**DOCUMENT, "document_id": name} for name in ("shared", "pending", "contract", "signed"))
    opportunity = {
        "fields": {"f-plan": field_state.confirmed(None, shared, caused_by=None),
                   "f-bill": field_state.customer_wrote(None, pending, 1),
                   "f-dni": field_state.confirmed(None, "X1", caused_by=None)},
        "contracts": {"k-1": {"document": contract, "signed_document": signed},
                      "k-2": {"document": DOCUMENT, "signed_document": None}}}
    for ref in (shared, pending, contract, signed):
        assert actions.shared_document(opportunity, ref["document_id"]) == ref
    assert actions.shared_document(opportunity, "someone-elses") is None
