"""Opportunity lifecycle events, keyed by opportunity id."""

from decimal import Decimal

from pydantic import Field

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_contracts.values import Cause, Locale


class OpportunityEvent(Event):
    topic = OPPORTUNITIES
    opportunity_id: str


class OpportunityOpened(OpportunityEvent):
    type = "portalflow.opportunity.opened.v1"
    opportunity_type_id: str
    substate_id: str = Field(description="The substate the opportunity starts in.")
    title: str
    locale: Locale | None = Field(default=None, description="The customer's preferred locale.")


class SubstateChanged(OpportunityEvent):
    type = "portalflow.opportunity.substate-changed.v1"
    from_substate_id: str
    to_substate_id: str
    cause: Cause


class OfferIssued(OpportunityEvent):
    type = "portalflow.opportunity.offer-issued.v1"
    offer_id: str
    title: str
    amount: Decimal = Field(description="Total price, taxes included.", examples=["12450.00"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class OfferAccepted(OpportunityEvent):
    type = "portalflow.opportunity.offer-accepted.v1"
    offer_id: str
    customer_event_id: str


class OfferRejected(OpportunityEvent):
    type = "portalflow.opportunity.offer-rejected.v1"
    offer_id: str
    reason: str = Field(examples=["another offer was accepted"])


class PortalAccessGranted(OpportunityEvent):
    """The customer's token itself is never stored or published, only its hash."""

    type = "portalflow.opportunity.portal-access-granted.v1"
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class CustomerActionRejected(OpportunityEvent):
    """A customer event that did not fit the opportunity, recorded for operators."""

    type = "portalflow.opportunity.customer-action-rejected.v1"
    customer_event_id: str
    customer_event_type: str
    reason: str
