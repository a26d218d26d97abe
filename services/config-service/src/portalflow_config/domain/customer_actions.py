"""Customer actions checked again against the opportunity, its flow and the org's catalog.

Each rule returns the events that apply the action, or raises CustomerActionRejectedError
saying what did not fit; a rejected action changes nothing and is never retried.
"""

from collections.abc import Callable

from portalflow_config.domain import opportunity as lifecycle
from portalflow_config.domain.errors import CustomerActionRejectedError as Rejected
from portalflow_config.domain.errors import InvalidError
from portalflow_config.domain.field_values import validate_value
from portalflow_config.domain.gating import Situation, incomplete, unaccepted_conditions
from portalflow_config.domain.opportunity import panel_text
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
from portalflow_contracts.events.opportunity import (
    ConditionAccepted,
    DrawingSubmitted,
    FieldValueSet,
    ReactivationRequested,
    SignedContractReceived,
    StepCompleted,
)
from portalflow_contracts.values import (
    DOCUMENTATION_PANELS,
    Cause,
    ExternalAction,
    FieldType,
    PanelKey,
)

Rule = Callable[[Situation, CustomerEvent, str], list]


def set_field_value(situation: Situation, action: CustomerSetFieldValue | CustomerUploadedDocument,
                    customer_event_id: str) -> list:
    """A value (or an uploaded document) for an editable field bound to the current panel."""
    _require_substate(situation, action)
    if situation.panel not in DOCUMENTATION_PANELS:
        raise Rejected(f"fields are filled in only on a documentation panel; substate "
                       f"{situation.substate_id} shows {panel_text(situation.panel)}")
    binding = next((b for b in situation.bindings if b.field == action.field_id), None)
    if binding is None:
        active = situation.catalog.active_field_ids()
        editable = [b.field for b in situation.bindings if not b.read_only and b.field in active]
        raise Rejected(f"field {action.field_id} is not on the panel of substate "
                       f"{situation.substate_id}; the customer can set {editable}")
    field = situation.catalog.fields.get(action.field_id)
    if field is None or field.retired:
        raise Rejected(f"no active dynamic field {action.field_id} in this org")
    if binding.read_only:
        raise Rejected(f"field {field.key!r} is read-only in substate {situation.substate_id}")
    uploaded = isinstance(action, CustomerUploadedDocument)
    value = action.document if uploaded else action.value
    if uploaded and field.type is not FieldType.FILE:
        raise Rejected(f"field {field.key!r} is a {field.type} field: it takes no document")
    if not uploaded and field.type is FieldType.FILE and value is not None:
        raise Rejected(f"field {field.key!r} is a file field: its value is an uploaded document")
    try:
        value = validate_value(field, value)
    except InvalidError as error:
        raise Rejected(error.message) from None
    return [FieldValueSet(opportunity_id=action.opportunity_id, field_id=action.field_id,
                          value=value)]


def accept_condition(situation: Situation, action: CustomerAcceptedCondition,
                     customer_event_id: str) -> list:
    """Accept a condition at its current version; an information step may then move on."""
    _require_substate(situation, action)
    if action.condition_id not in situation.conditions:
        raise Rejected(f"condition {action.condition_id} is not asked for in substate "
                       f"{situation.substate_id}; it asks for {situation.conditions}")
    current = situation.catalog.conditions[action.condition_id].version
    if action.version != current:
        raise Rejected(f"condition {action.condition_id} is at version {current}; version "
                       f"{action.version} was accepted")
    if situation.opportunity.accepted_conditions.get(action.condition_id) == current:
        raise Rejected(f"condition {action.condition_id} was already accepted at version "
                       f"{current}")
    accepted = ConditionAccepted(opportunity_id=action.opportunity_id,
                                 condition_id=action.condition_id, version=current)
    after = Situation(lifecycle.evolve(situation.opportunity, accepted), situation.flow,
                      situation.catalog)
    if situation.panel is not None or unaccepted_conditions(after):
        return [accepted]
    return [accepted, *_transition(after, ExternalAction.CONDITIONS_ACCEPTED,
                                   customer_event_id, required=False)]


def complete_step(situation: Situation, action: CustomerCompletedStep,
                  customer_event_id: str) -> list:
    """Complete a documentation step once it is whole, and apply `<panel>-completed`."""
    _require_substate(situation, action)
    panel = situation.panel
    if panel not in DOCUMENTATION_PANELS:
        raise Rejected(f"substate {situation.substate_id} does not show a documentation "
                       f"panel; it shows {panel_text(panel)}")
    if action.panel != panel:
        raise Rejected(f"the customer completed the {action.panel} panel but substate "
                       f"{situation.substate_id} shows the {panel} panel")
    if gaps := incomplete(situation):
        raise Rejected(f"the {panel} step of substate {situation.substate_id} is incomplete: "
                       f"{gaps}")
    return [StepCompleted(opportunity_id=action.opportunity_id,
                          substate_id=situation.substate_id, panel=panel.value),
            *_transition(situation, ExternalAction(f"{panel}-completed"), customer_event_id,
                         required=True)]


def submit_drawing(situation: Situation, action: CustomerSubmittedDrawing,
                   customer_event_id: str) -> list:
    """Record the customer's roof drawing and apply `drawing-completed` if mapped."""
    _require_panel(situation, action, PanelKey.DRAWING)
    return [DrawingSubmitted(opportunity_id=action.opportunity_id, roof=action.roof,
                             roof_area_m2=action.roof_area_m2),
            *_transition(situation, ExternalAction.DRAWING_COMPLETED, customer_event_id,
                         required=False)]


def accept_offer(situation: Situation, action: CustomerAcceptedOffer,
                 customer_event_id: str) -> list:
    """Accept an open offer, reject the others and apply `accept-budget` if mapped."""
    _require_substate(situation, action)
    return lifecycle.accept_offer(situation.opportunity, situation.flow, action,
                                  customer_event_id)


def receive_signed_contract(situation: Situation, action: CustomerUploadedSignedContract,
                            customer_event_id: str) -> list:
    """Keep the signed copy of a contract; apply `contract-signed` once every one is signed."""
    _require_panel(situation, action, PanelKey.CONTRACT_SIGNING)
    contracts = situation.opportunity.contracts
    if action.contract_id not in contracts:
        raise Rejected(f"contract {action.contract_id} does not exist on this opportunity; "
                       f"its contracts are {list(contracts)}")
    received = SignedContractReceived(opportunity_id=action.opportunity_id,
                                      contract_id=action.contract_id, document=action.document)
    if contracts.keys() - {*situation.opportunity.signed_contracts, action.contract_id}:
        return [received]
    return [received, *_transition(situation, ExternalAction.CONTRACT_SIGNED,
                                   customer_event_id, required=False)]


def request_reactivation(situation: Situation, action: CustomerRequestedReactivation,
                         customer_event_id: str) -> list:
    """Reactivate a failed opportunity through `show-flow-reactivation`, when enabled."""
    _require_panel(situation, action, PanelKey.FINALIZATION_FAILED)
    if not situation.catalog.settings.reactivation_enabled:
        raise Rejected("reactivation is disabled in the org's portal settings")
    return [ReactivationRequested(opportunity_id=action.opportunity_id),
            *_transition(situation, ExternalAction.SHOW_FLOW_REACTIVATION, customer_event_id,
                         required=True)]


def _require_substate(situation: Situation, action: CustomerEvent) -> None:
    # An empty substate_id comes from a portal that did not say what the customer saw.
    if action.substate_id and action.substate_id != situation.substate_id:
        raise Rejected(f"the customer acted in substate {action.substate_id} but the "
                       f"opportunity is in substate {situation.substate_id} now")


def _require_panel(situation: Situation, action: CustomerEvent, panel: PanelKey) -> None:
    _require_substate(situation, action)
    if situation.panel is not panel:
        raise Rejected(f"substate {situation.substate_id} does not show the {panel} panel; "
                       f"it shows {panel_text(situation.panel)}")


def _transition(situation: Situation, action: ExternalAction, customer_event_id: str, *,
                required: bool) -> list:
    """The move mapped to `action`; when the move is the action's whole point, it must exist."""
    target = situation.flow.external_actions.get(action)
    if target in (None, situation.substate_id) and not required:
        return []
    if target is None:
        raise Rejected(f"no external action {action} is mapped for opportunity type "
                       f"{situation.flow.opportunity_type_id}")
    if target == situation.substate_id:
        raise Rejected(f"external action {action} maps to substate {target}, where the "
                       "opportunity already is")
    return lifecycle.move(situation.opportunity, situation.flow, target, Cause(
        kind="external-action", action=action, customer_event_id=customer_event_id))
