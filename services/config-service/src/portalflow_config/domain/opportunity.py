"""Opportunities: where each one is in its flow, its offers, and the customer's access."""

from dataclasses import dataclass, field, replace

from portalflow_config.domain.errors import (
    ConflictError,
    CustomerActionRejectedError,
    NotFoundError,
)
from portalflow_config.domain.flow import OpportunityType
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.opportunity import (
    CustomerActionRejected,
    OfferAccepted,
    OfferIssued,
    OfferRejected,
    OpportunityEvent,
    OpportunityOpened,
    PortalAccessGranted,
    SubstateChanged,
)
from portalflow_contracts.values import Cause, ExternalAction, PanelKey

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
        case PortalAccessGranted():
            return replace(opportunity, portal_access=True)
        case CustomerActionRejected():
            return opportunity
    raise TypeError(f"not an opportunity event: {event!r}")


def open_opportunity(flow: OpportunityType, command: OpportunityOpened) -> list:
    """Open an opportunity in a substate of its flow."""
    flow.require_substate(command.substate_id)
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
        raise CustomerActionRejectedError("the current substate does not show the offer panel")
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


def require(opportunity: Opportunity | None, opportunity_id: str) -> Opportunity:
    """The opportunity, or NotFoundError."""
    if opportunity is None:
        raise NotFoundError(f"opportunity {opportunity_id} not found")
    return opportunity
