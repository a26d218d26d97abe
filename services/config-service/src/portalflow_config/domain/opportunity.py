"""Opportunities: where each one is in its flow, its offers, and the customer's access."""

from dataclasses import dataclass, field, replace

from portalflow_config.domain.catalog import DynamicField, PortalSettings
from portalflow_config.domain.errors import (
    ConflictError,
    CustomerActionRejectedError,
    InvalidError,
    NotFoundError,
)
from portalflow_config.domain.field_values import validate_value
from portalflow_config.domain.flow import OpportunityType
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.opportunity import (
    ConditionAccepted,
    ContractIssued,
    CustomerActionRejected,
    DrawingSubmitted,
    FieldValueSet,
    InstallerAssigned,
    OfferAccepted,
    OfferIssued,
    OfferRejected,
    OpportunityEvent,
    OpportunityOpened,
    PortalAccessGranted,
    PortalAccessRevoked,
    ReactivationRequested,
    SignedContractReceived,
    StepCompleted,
    SubstateChanged,
)
from portalflow_contracts.values import Cause, DocumentRef, ExternalAction, PanelKey

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"


@dataclass(frozen=True)
class Opportunity:
    opportunity_id: str
    opportunity_type_id: str
    substate_id: str
    title: str
    locale: str | None
    offers: dict[str, str] = field(default_factory=dict)  # offer id → status
    portal_access: bool = False
    fields: dict[str, object] = field(default_factory=dict)  # field id → value
    installer: InstallerAssigned | None = None
    contracts: dict[str, ContractIssued] = field(default_factory=dict)
    accepted_conditions: dict[str, int] = field(default_factory=dict)  # condition id → version
    drawing: DrawingSubmitted | None = None
    signed_contracts: dict[str, DocumentRef] = field(default_factory=dict)  # contract id → copy


def evolve(opportunity: Opportunity | None, event: OpportunityEvent) -> Opportunity:
    """Fold one event into the opportunity."""
    match event:
        case OpportunityOpened():
            return Opportunity(event.opportunity_id, event.opportunity_type_id,
                               event.substate_id, event.title, event.locale)
        case SubstateChanged():
            return replace(opportunity, substate_id=event.to_substate_id)
        case OfferIssued():
            return replace(opportunity, offers={**opportunity.offers, event.offer_id: OPEN})
        case OfferAccepted() | OfferRejected():
            status = ACCEPTED if isinstance(event, OfferAccepted) else REJECTED
            return replace(opportunity, offers={**opportunity.offers, event.offer_id: status})
        case PortalAccessGranted() | PortalAccessRevoked():
            return replace(opportunity, portal_access=isinstance(event, PortalAccessGranted))
        case FieldValueSet():
            return replace(opportunity, fields={**opportunity.fields, event.field_id: event.value})
        case InstallerAssigned():
            return replace(opportunity, installer=event)
        case ContractIssued():
            return replace(opportunity, contracts={**opportunity.contracts,
                                                   event.contract_id: event})
        case ConditionAccepted():
            return replace(opportunity, accepted_conditions={
                **opportunity.accepted_conditions, event.condition_id: event.version})
        case DrawingSubmitted():
            return replace(opportunity, drawing=event)
        case SignedContractReceived():
            return replace(opportunity, signed_contracts={
                **opportunity.signed_contracts, event.contract_id: event.document})
        case CustomerActionRejected() | StepCompleted() | ReactivationRequested():
            return opportunity
    raise TypeError(f"not an opportunity event: {event!r}")


def panel_text(panel: PanelKey | None) -> str:
    """How a panel is named in a rejection reason."""
    return f"the {panel} panel" if panel else "no panel"


def open_opportunity(flow: OpportunityType, command: OpportunityOpened,
                     settings: PortalSettings) -> list:
    """Open an opportunity in a substate of an active flow, in one of the org's locales."""
    flow.require_active()
    flow.require_substate(command.substate_id)
    if command.locale is not None and command.locale not in settings.locales:
        raise InvalidError("locale", f"{command.locale!r} is not a locale of this org's portal;"
                                     f" supported locales: {', '.join(settings.locales)}")
    return [command]


def move(opportunity: Opportunity, flow: OpportunityType, to_substate_id: str,
         cause: Cause) -> list:
    """Move the opportunity to another substate of its flow."""
    flow.require_substate(to_substate_id)
    if to_substate_id == opportunity.substate_id:
        raise ConflictError(f"the opportunity is already in substate {to_substate_id}")
    return [SubstateChanged(opportunity_id=opportunity.opportunity_id, cause=cause,
                            from_substate_id=opportunity.substate_id,
                            to_substate_id=to_substate_id)]


def issue_offer(opportunity: Opportunity, command: OfferIssued) -> list:
    """Issue an offer; none can be issued once one was accepted."""
    if ACCEPTED in opportunity.offers.values():
        raise ConflictError("an offer of this opportunity was already accepted")
    return [command]


def accept_offer(opportunity: Opportunity, flow: OpportunityType,
                 action: CustomerAcceptedOffer, customer_event_id: str) -> list:
    """The customer accepted an offer: reject the others, apply `accept-budget` if mapped."""
    if flow.panel(opportunity.substate_id) is not PanelKey.OFFER:
        raise CustomerActionRejectedError(
            f"substate {opportunity.substate_id} does not show the offer panel; it shows "
            f"{panel_text(flow.panel(opportunity.substate_id))}")
    status = opportunity.offers.get(action.offer_id)
    if status is None:
        raise CustomerActionRejectedError(f"offer {action.offer_id} does not exist")
    if status != OPEN:
        raise CustomerActionRejectedError(f"offer {action.offer_id} is already {status}")
    opportunity_id = opportunity.opportunity_id
    events: list = [OfferAccepted(opportunity_id=opportunity_id, offer_id=action.offer_id,
                                  customer_event_id=customer_event_id)]
    events += [OfferRejected(opportunity_id=opportunity_id, offer_id=offer_id,
                             reason="another offer was accepted")
               for offer_id, s in opportunity.offers.items()
               if s == OPEN and offer_id != action.offer_id]
    target = flow.external_actions.get(ExternalAction.ACCEPT_BUDGET)
    if target and target != opportunity.substate_id:
        events += move(opportunity, flow, target, Cause(
            kind="external-action", action=ExternalAction.ACCEPT_BUDGET,
            customer_event_id=customer_event_id))
    return events


def set_field_value(opportunity: Opportunity, field: DynamicField | None, field_id: str,
                    value: object) -> list:
    """Set a dynamic field's value after checking it against the field's type."""
    if field is None or field.retired:
        raise NotFoundError(f"no active dynamic field {field_id} in this org")
    return [FieldValueSet(opportunity_id=opportunity.opportunity_id, field_id=field_id,
                          value=validate_value(field, value))]


def revoke_portal_access(opportunity: Opportunity) -> list:
    """Make every access token of the opportunity stop working."""
    if not opportunity.portal_access:
        raise ConflictError("the opportunity has no portal access to revoke")
    return [PortalAccessRevoked(opportunity_id=opportunity.opportunity_id)]
