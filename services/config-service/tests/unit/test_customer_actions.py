"""Given an opportunity, its flow and the org's catalog, when the customer acts, then these events
or this rejection reason."""

import pytest

from portalflow_config.application import customer_actions as handlers
from portalflow_config.domain import catalog as catalog_rules
from portalflow_config.domain import customer_actions as rules
from portalflow_config.domain import flow as flow_rules
from portalflow_config.domain import opportunity
from portalflow_config.domain.catalog import OrgCatalog
from portalflow_config.domain.errors import CustomerActionRejectedError
from portalflow_config.domain.gating import Situation
from portalflow_config.entrypoints import consumers
from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.catalog import (
    ConditionPublished,
    ConditionRetired,
    ConditionRevised,
    DynamicFieldDefined,
    DynamicFieldRetired,
    PortalSettingsSaved,
)
from portalflow_contracts.events.customer import (
    CustomerAcceptedCondition,
    CustomerAcceptedOffer,
    CustomerCompletedStep,
    CustomerEvent,
    CustomerRequestedReactivation,
    CustomerSetFieldValue,
    CustomerSubmittedDrawing,
    CustomerUploadedDocument,
    CustomerUploadedSignedContract,
)
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    FieldBinding,
    OpportunityTypeCreated,
    StateDefinition,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.events.opportunity import (
    ConditionAccepted,
    ContractIssued,
    CustomerActionRejected,
    DrawingSubmitted,
    FieldValueSet,
    OfferAccepted,
    OfferIssued,
    OpportunityOpened,
    ReactivationRequested,
    SignedContractReceived,
    StepCompleted,
    SubstateChanged,
)
from portalflow_contracts.registry import EVENT_TYPES
from portalflow_contracts.values import Cause, DocumentRef, ExternalAction, FieldType, PanelKey

OPP, CE = "opp-1", "ce-1"
PDF = DocumentRef(document_id="d-1", sha256="a" * 64, file_name="factura.pdf",
                  content_type="application/pdf", size=2048)
ROOF = {"type": "FeatureCollection", "features": []}


def field(field_id: str, key: str, field_type: FieldType) -> DynamicFieldDefined:
    return DynamicFieldDefined(field_id=field_id, key=key, label={"es": key},
                               field_type=field_type)


def condition(condition_id: str, version: int = 1):
    kind = ConditionPublished if version == 1 else ConditionRevised
    return kind(condition_id=condition_id, version=version, title={"es": condition_id},
                text={"es": f"{condition_id} v{version}"})


CATALOG = (field("f-dni", "dni", FieldType.TEXT), field("f-bill", "bill", FieldType.FILE),
           field("f-panels", "panels", FieldType.NUMBER), field("f-copy", "copy", FieldType.FILE),
           condition("c-privacy"), condition("c-terms"))
SUBSTATES = ("docs", "info", "drawing", "offer", "signing", "won", "lost")


def portal(substate_id: str, panel: PanelKey | None, fields=(), conditions=()):
    return SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id=substate_id,
                                     public_name={"es": substate_id}, panel=panel,
                                     fields=fields, conditions=conditions)


FLOW = (
    OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(StateDefinition(
        state_id="sale", name="Sale", substates=tuple(
            SubstateDefinition(substate_id=s, name=s) for s in SUBSTATES)),)),
    portal("docs", PanelKey.INITIAL_DOCUMENTATION, conditions=("c-privacy",), fields=(
        FieldBinding(field="f-dni", required=True), FieldBinding(field="f-bill", required=True),
        FieldBinding(field="f-panels"), FieldBinding(field="f-copy", read_only=True))),
    portal("info", None, conditions=("c-privacy", "c-terms")),
    portal("drawing", PanelKey.DRAWING),
    portal("offer", PanelKey.OFFER),
    portal("signing", PanelKey.CONTRACT_SIGNING),
    portal("won", PanelKey.FINALIZATION_SUCCESS),
    portal("lost", PanelKey.FINALIZATION_FAILED),
)


def mapped(action: ExternalAction, target: str) -> ExternalActionMapped:
    return ExternalActionMapped(opportunity_type_id="solar", action=action,
                                target_substate_id=target)


MAPPINGS = (
    mapped(ExternalAction.INITIAL_DOCUMENTATION_COMPLETED, "info"),
    mapped(ExternalAction.CONDITIONS_ACCEPTED, "drawing"),
    mapped(ExternalAction.DRAWING_COMPLETED, "offer"),
    mapped(ExternalAction.ACCEPT_BUDGET, "signing"),
    mapped(ExternalAction.CONTRACT_SIGNED, "won"),
    mapped(ExternalAction.SHOW_FLOW_REACTIVATION, "docs"),
)
REACTIVATION_ON = PortalSettingsSaved(locales=("es",), default_locale="es",
                                      reactivation_enabled=True)


def given(substate_id: str, *history, catalog=(), mappings=MAPPINGS) -> Situation:
    """An opportunity in `substate_id` after `history`; the flow and the catalog as told."""
    state = opportunity.evolve(None, OpportunityOpened(
        opportunity_id=OPP, opportunity_type_id="solar", substate_id=substate_id, title="Roof"))
    for event in history:
        state = opportunity.evolve(state, event)
    flow = None
    for event in (*FLOW, *mappings):
        flow = flow_rules.evolve(flow, event)
    org = OrgCatalog()
    for event in (*CATALOG, *catalog):
        org = catalog_rules.evolve(org, event)
    return Situation(state, flow, org)


def value(field_id: str, set_to: object) -> FieldValueSet:
    return FieldValueSet(opportunity_id=OPP, field_id=field_id, value=set_to)


def accepted(condition_id: str, version: int = 1) -> ConditionAccepted:
    return ConditionAccepted(opportunity_id=OPP, condition_id=condition_id, version=version)


def moved(from_substate: str, to_substate: str, action: ExternalAction) -> SubstateChanged:
    return SubstateChanged(opportunity_id=OPP, from_substate_id=from_substate,
                           to_substate_id=to_substate, cause=Cause(
                               kind="external-action", action=action, customer_event_id=CE))


def contract(contract_id: str) -> ContractIssued:
    return ContractIssued(opportunity_id=OPP, contract_id=contract_id, title=contract_id,
                          document=PDF)


def rejection(rule: rules.Rule, situation: Situation, action) -> str:
    with pytest.raises(CustomerActionRejectedError) as error:
        rule(situation, action, CE)
    return str(error.value)


SET_DNI = CustomerSetFieldValue(opportunity_id=OPP, substate_id="docs", field_id="f-dni",
                                value="X1234567L")
UPLOAD_BILL = CustomerUploadedDocument(opportunity_id=OPP, substate_id="docs",
                                       field_id="f-bill", document=PDF)
COMPLETE_DOCS = CustomerCompletedStep(opportunity_id=OPP, substate_id="docs",
                                      panel=PanelKey.INITIAL_DOCUMENTATION)
WHOLE_DOCS = (value("f-dni", "X1234567L"), value("f-bill", PDF.model_dump()),
              accepted("c-privacy"))


def accept(condition_id: str, version: int = 1, substate_id: str = "docs"):
    return CustomerAcceptedCondition(opportunity_id=OPP, substate_id=substate_id,
                                     condition_id=condition_id, version=version)


# Field values and documents


def test_a_value_for_an_editable_bound_field_is_set_as_the_field_type_reads_it():
    assert rules.set_field_value(given("docs"), SET_DNI, CE) == [value("f-dni", "X1234567L")]
    number = SET_DNI.model_copy(update={"field_id": "f-panels", "value": "12"})
    assert rules.set_field_value(given("docs"), number, CE) == [value("f-panels", 12)]


def test_an_uploaded_document_becomes_the_file_field_value():
    assert rules.set_field_value(given("docs"), UPLOAD_BILL, CE) == [
        value("f-bill", PDF.model_dump(mode="json"))]


def test_a_null_value_clears_a_field():
    cleared = SET_DNI.model_copy(update={"value": None})
    assert rules.set_field_value(given("docs"), cleared, CE) == [value("f-dni", None)]


@pytest.mark.parametrize(("substate", "action", "extra", "reason"), [
    ("docs", SET_DNI.model_copy(update={"field_id": "f-ghost"}), (),
     "field f-ghost is not on the panel of substate docs; the customer can set "
     "['f-dni', 'f-bill', 'f-panels']"),
    ("docs", UPLOAD_BILL.model_copy(update={"field_id": "f-copy"}), (),
     "field 'copy' is read-only in substate docs"),
    ("docs", SET_DNI, (DynamicFieldRetired(field_id="f-dni"),),
     "no active dynamic field f-dni in this org"),
    ("docs", SET_DNI.model_copy(update={"field_id": "f-panels", "value": "many"}), (),
     "field 'panels' expects a number such as 42 or 3.5 (a JSON number or a decimal string); "
     "got 'many'"),
    ("docs", UPLOAD_BILL.model_copy(update={"field_id": "f-dni"}), (),
     "field 'dni' is a text field: it takes no document"),
    ("docs", SET_DNI.model_copy(update={"field_id": "f-bill", "value": PDF.model_dump()}), (),
     "field 'bill' is a file field: its value is an uploaded document"),
    ("info", SET_DNI, (),
     "the customer acted in substate docs but the opportunity is in substate info now"),
    ("drawing", SET_DNI.model_copy(update={"substate_id": "drawing"}), (),
     "fields are filled in only on a documentation panel; substate drawing shows the "
     "drawing panel"),
])
def test_a_field_value_that_does_not_fit_is_rejected(substate, action, extra, reason):
    assert rejection(rules.set_field_value, given(substate, catalog=extra), action) == reason


# Conditions


def test_a_condition_is_accepted_at_its_current_version():
    then = rules.accept_condition(given("docs"), accept("c-privacy"), CE)
    assert then == [accepted("c-privacy")]
    assert given("docs", *then).opportunity.accepted_conditions == {"c-privacy": 1}


def test_an_information_step_moves_on_when_its_last_condition_is_accepted():
    situation = given("info", accepted("c-terms"))
    then = rules.accept_condition(situation, accept("c-privacy", substate_id="info"), CE)
    assert then == [accepted("c-privacy"),
                    moved("info", "drawing", ExternalAction.CONDITIONS_ACCEPTED)]


def test_an_information_step_stays_while_a_condition_is_missing_or_nothing_is_mapped():
    first = rules.accept_condition(given("info"), accept("c-privacy", substate_id="info"), CE)
    assert first == [accepted("c-privacy")]
    unmapped = given("info", accepted("c-terms"), mappings=())
    last = rules.accept_condition(unmapped, accept("c-privacy", substate_id="info"), CE)
    assert last == [accepted("c-privacy")]


def test_a_step_with_a_panel_never_moves_on_conditions_alone():
    assert rules.accept_condition(given("docs"), accept("c-privacy"), CE) == [
        accepted("c-privacy")]


def test_a_revised_condition_is_accepted_again_and_counts_at_its_new_version():
    situation = given("info", accepted("c-privacy"), accepted("c-terms"),
                      catalog=(condition("c-privacy", 2),))
    then = rules.accept_condition(situation, accept("c-privacy", 2, "info"), CE)
    assert then == [accepted("c-privacy", 2),
                    moved("info", "drawing", ExternalAction.CONDITIONS_ACCEPTED)]


@pytest.mark.parametrize(("history", "extra", "action", "reason"), [
    ((), (), accept("c-terms"),
     "condition c-terms is not asked for in substate docs; it asks for ['c-privacy']"),
    ((), (ConditionRetired(condition_id="c-privacy"),), accept("c-privacy"),
     "condition c-privacy is not asked for in substate docs; it asks for []"),
    ((), (condition("c-privacy", 2),), accept("c-privacy", 1),
     "condition c-privacy is at version 2; version 1 was accepted"),
    ((accepted("c-privacy"),), (), accept("c-privacy"),
     "condition c-privacy was already accepted at version 1"),
    ((), (), accept("c-privacy", substate_id="info"),
     "the customer acted in substate info but the opportunity is in substate docs now"),
])
def test_a_condition_acceptance_that_does_not_fit_is_rejected(history, extra, action, reason):
    assert rejection(rules.accept_condition, given("docs", *history, catalog=extra),
                     action) == reason


# Documentation steps


def test_a_whole_documentation_step_completes_and_moves_to_the_mapped_substate():
    then = rules.complete_step(given("docs", *WHOLE_DOCS), COMPLETE_DOCS, CE)
    assert then == [
        StepCompleted(opportunity_id=OPP, substate_id="docs", panel="initial-documentation"),
        moved("docs", "info", ExternalAction.INITIAL_DOCUMENTATION_COMPLETED)]


def test_optional_fields_and_retired_required_ones_do_not_hold_a_step_back():
    situation = given("docs", value("f-bill", PDF.model_dump()), accepted("c-privacy"),
                      catalog=(DynamicFieldRetired(field_id="f-dni"),))
    assert isinstance(rules.complete_step(situation, COMPLETE_DOCS, CE)[0], StepCompleted)


@pytest.mark.parametrize(("history", "extra", "gaps"), [
    ((), (), "required field 'dni' (f-dni) has no value; required field 'bill' (f-bill) has "
             "no value; condition c-privacy is not accepted at version 1 (no version was)"),
    ((*WHOLE_DOCS, value("f-dni", None)), (), "required field 'dni' (f-dni) has no value"),
    (WHOLE_DOCS, (condition("c-privacy", 2),),
     "condition c-privacy is not accepted at version 2 (version 1 was)"),
])
def test_an_incomplete_step_is_rejected_with_what_is_missing(history, extra, gaps):
    reason = rejection(rules.complete_step, given("docs", *history, catalog=extra),
                       COMPLETE_DOCS)
    assert reason == f"the initial-documentation step of substate docs is incomplete: {gaps}"


@pytest.mark.parametrize(("substate", "action", "mappings", "reason"), [
    ("drawing", COMPLETE_DOCS.model_copy(update={"substate_id": "drawing"}), MAPPINGS,
     "substate drawing does not show a documentation panel; it shows the drawing panel"),
    ("info", COMPLETE_DOCS.model_copy(update={"substate_id": "info"}), MAPPINGS,
     "substate info does not show a documentation panel; it shows no panel"),
    ("docs", COMPLETE_DOCS.model_copy(update={"panel": PanelKey.OFFER_DOCUMENTATION}), MAPPINGS,
     "the customer completed the offer-documentation panel but substate docs shows the "
     "initial-documentation panel"),
    ("docs", COMPLETE_DOCS, (),
     "no external action initial-documentation-completed is mapped for opportunity type solar"),
    ("docs", COMPLETE_DOCS, (mapped(ExternalAction.INITIAL_DOCUMENTATION_COMPLETED, "docs"),),
     "external action initial-documentation-completed maps to substate docs, where the "
     "opportunity already is"),
    ("info", COMPLETE_DOCS, MAPPINGS,
     "the customer acted in substate docs but the opportunity is in substate info now"),
])
def test_a_step_completion_that_does_not_fit_is_rejected(substate, action, mappings, reason):
    situation = given(substate, *WHOLE_DOCS, mappings=mappings)
    assert rejection(rules.complete_step, situation, action) == reason


# Drawing, offers, signed contracts, reactivation


DRAW = CustomerSubmittedDrawing(opportunity_id=OPP, substate_id="drawing", roof=ROOF,
                                roof_area_m2=42.5)
DRAWN = DrawingSubmitted(opportunity_id=OPP, roof=ROOF, roof_area_m2=42.5)


def test_a_drawing_is_kept_and_applies_drawing_completed_when_mapped():
    assert rules.submit_drawing(given("drawing"), DRAW, CE) == [
        DRAWN, moved("drawing", "offer", ExternalAction.DRAWING_COMPLETED)]
    assert rules.submit_drawing(given("drawing", mappings=()), DRAW, CE) == [DRAWN]
    assert given("drawing", DRAWN).opportunity.drawing == DRAWN


def test_an_offer_accepted_in_the_offer_substate_applies_accept_budget():
    issued = OfferIssued(opportunity_id=OPP, offer_id="o-1", title="Kit", amount="9000",
                         currency="EUR")
    action = CustomerAcceptedOffer(opportunity_id=OPP, substate_id="offer", offer_id="o-1")
    assert rules.accept_offer(given("offer", issued), action, CE) == [
        OfferAccepted(opportunity_id=OPP, offer_id="o-1", customer_event_id=CE),
        moved("offer", "signing", ExternalAction.ACCEPT_BUDGET)]


def sign(contract_id: str) -> CustomerUploadedSignedContract:
    return CustomerUploadedSignedContract(opportunity_id=OPP, substate_id="signing",
                                          contract_id=contract_id, document=PDF)


def received(contract_id: str) -> SignedContractReceived:
    return SignedContractReceived(opportunity_id=OPP, contract_id=contract_id, document=PDF)


def test_a_signed_contract_is_kept_and_contract_signed_applies_once_every_one_is_signed():
    assert rules.receive_signed_contract(given("signing", contract("k-1")), sign("k-1"), CE) == [
        received("k-1"), moved("signing", "won", ExternalAction.CONTRACT_SIGNED)]
    two = given("signing", contract("k-1"), contract("k-2"))
    assert rules.receive_signed_contract(two, sign("k-1"), CE) == [received("k-1")]
    one_signed = given("signing", contract("k-1"), contract("k-2"), received("k-1"))
    assert one_signed.opportunity.signed_contracts == {"k-1": PDF}
    assert rules.receive_signed_contract(one_signed, sign("k-2"), CE) == [
        received("k-2"), moved("signing", "won", ExternalAction.CONTRACT_SIGNED)]


REACTIVATE = CustomerRequestedReactivation(opportunity_id=OPP, substate_id="lost")


def test_a_reactivation_moves_a_failed_opportunity_when_the_org_enables_it():
    assert rules.request_reactivation(given("lost", catalog=(REACTIVATION_ON,)), REACTIVATE,
                                      CE) == [
        ReactivationRequested(opportunity_id=OPP),
        moved("lost", "docs", ExternalAction.SHOW_FLOW_REACTIVATION)]


@pytest.mark.parametrize(("rule", "situation", "action", "reason"), [
    (rules.submit_drawing, given("docs"), DRAW.model_copy(update={"substate_id": "docs"}),
     "substate docs does not show the drawing panel; it shows the initial-documentation panel"),
    (rules.submit_drawing, given("offer"), DRAW,
     "the customer acted in substate drawing but the opportunity is in substate offer now"),
    (rules.accept_offer, given("signing"),
     CustomerAcceptedOffer(opportunity_id=OPP, substate_id="offer", offer_id="o-1"),
     "the customer acted in substate offer but the opportunity is in substate signing now"),
    (rules.receive_signed_contract, given("signing", contract("k-1")), sign("k-9"),
     "contract k-9 does not exist on this opportunity; its contracts are ['k-1']"),
    (rules.receive_signed_contract, given("won", contract("k-1")),
     sign("k-1").model_copy(update={"substate_id": "won"}),
     "substate won does not show the contract-signing panel; it shows the "
     "finalization-success panel"),
    (rules.request_reactivation, given("lost"), REACTIVATE,
     "reactivation is disabled in the org's portal settings"),
    (rules.request_reactivation, given("lost", catalog=(REACTIVATION_ON,), mappings=()),
     REACTIVATE, "no external action show-flow-reactivation is mapped for opportunity type "
                 "solar"),
    (rules.request_reactivation, given("won", catalog=(REACTIVATION_ON,)),
     REACTIVATE.model_copy(update={"substate_id": "won"}),
     "substate won does not show the finalization-failed panel; it shows the "
     "finalization-success panel"),
])
def test_an_action_that_does_not_fit_its_panel_is_rejected(rule, situation, action, reason):
    assert rejection(rule, situation, action) == reason


def test_a_portal_that_does_not_say_the_substate_is_checked_against_the_current_one():
    unstated = DRAW.model_copy(update={"substate_id": ""})
    assert rules.submit_drawing(given("drawing"), unstated, CE)[0] == DRAWN
    assert "does not show the drawing panel" in rejection(rules.submit_drawing, given("docs"),
                                                          unstated)


# A batch: each action decided on what the ones before it did, at the next versions


def customer(action) -> Envelope:
    return Envelope.wrap(action, source="portal-service", subject=OPP, org_id="org",
                         correlation_id="corr", actor="customer")


def test_a_rejected_action_is_recorded_at_the_next_version_never_raised():
    situations, envelope = {("org", OPP): (given("docs"), 4)}, customer(COMPLETE_DOCS)

    [(version, rejected)] = handlers.decide(situations, envelope, COMPLETE_DOCS)

    assert (version, rejected.subject, rejected.causation_id, rejected.actor) == (
        5, OPP, envelope.id, "customer")
    assert rejected.data == CustomerActionRejected(
        opportunity_id=OPP, customer_event_id=envelope.id, customer_event_type=envelope.type,
        reason=rejection(rules.complete_step, given("docs"), COMPLETE_DOCS)).model_dump(
            mode="json")
    assert situations[("org", OPP)][1] == 5


def test_each_action_of_a_batch_is_decided_on_the_ones_before_it():
    situations = {("org", OPP): (given("docs", *WHOLE_DOCS[:2]), 3)}
    accepting, completing = customer(accept("c-privacy")), customer(COMPLETE_DOCS)

    first = handlers.decide(situations, accepting, accept("c-privacy"))
    second = handlers.decide(situations, completing, COMPLETE_DOCS)

    assert [(v, e.type) for v, e in first + second] == [
        (4, ConditionAccepted.type), (5, StepCompleted.type), (6, SubstateChanged.type)]
    situation, version = situations[("org", OPP)]
    assert (situation.substate_id, version) == ("info", 6)


def test_every_customer_event_type_has_a_rule_and_one_handler():
    assert set(consumers.HANDLERS) == set(handlers.RULES) == {
        event_type for event_type, model in EVENT_TYPES.items()
        if issubclass(model, CustomerEvent)}
    assert set(consumers.HANDLERS.values()) == {handlers.apply_customer_event}
