"""Opportunity lifecycle events, keyed by opportunity id."""

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_contracts.values import (
    Cause,
    DocumentRef,
    Frozen,
    Id,
    JsonObject,
    JsonValue,
    Locale,
    Name,
)


class OpportunityEvent(Event):
    topic = OPPORTUNITIES
    opportunity_id: Id


class OpportunityOpened(OpportunityEvent):
    type = "portalflow.opportunity.opened.v1"
    opportunity_type_id: Id
    substate_id: str = Field(description="The substate the opportunity starts in.")
    title: Name
    locale: Locale | None = Field(default=None, description="The customer's preferred locale.")


class SubstateChanged(OpportunityEvent):
    type = "portalflow.opportunity.substate-changed.v1"
    from_substate_id: Id
    to_substate_id: Id
    cause: Cause


class OfferIssued(OpportunityEvent):
    type = "portalflow.opportunity.offer-issued.v1"
    offer_id: Id
    title: Name
    amount: Decimal = Field(description="Total price, taxes included.", examples=["12450.00"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class OfferAccepted(OpportunityEvent):
    type = "portalflow.opportunity.offer-accepted.v1"
    offer_id: Id
    customer_event_id: Id


class OfferRejected(OpportunityEvent):
    type = "portalflow.opportunity.offer-rejected.v1"
    offer_id: Id
    reason: str = Field(examples=["another offer was accepted"])


class PortalAccessGranted(OpportunityEvent):
    """The customer's token itself is never stored or published, only its hash."""

    type = "portalflow.opportunity.portal-access-granted.v1"
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class CustomerActionRejected(OpportunityEvent):
    """A customer event that did not fit the opportunity, recorded for operators."""

    type = "portalflow.opportunity.customer-action-rejected.v1"
    customer_event_id: Id
    customer_event_type: str
    reason: str


class FieldValueSet(OpportunityEvent):
    """A dynamic field's value, whoever set it; None clears it."""

    type = "portalflow.opportunity.field-value-set.v1"
    field_id: Id
    value: JsonValue = Field(
        description="Validated by the field's type; a file is a DocumentRef.")


class Installer(Frozen):
    name: Name
    company: Name | None = None
    phone: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=320)


class InstallerAssigned(OpportunityEvent):
    type = "portalflow.opportunity.installer-assigned.v1"
    installer: Installer
    visit_at: datetime | None = Field(default=None, description="When the installer visits.")


class ContractIssued(OpportunityEvent):
    type = "portalflow.opportunity.contract-issued.v1"
    contract_id: Id
    title: Name
    document: DocumentRef


class PortalAccessRevoked(OpportunityEvent):
    """Every access token of the opportunity stops working."""

    type = "portalflow.opportunity.portal-access-revoked.v1"


class ConditionAccepted(OpportunityEvent):
    """The customer accepted a condition at a version; a revision asks again."""

    type = "portalflow.opportunity.condition-accepted.v1"
    condition_id: Id
    version: int = Field(ge=1)


class DrawingSubmitted(OpportunityEvent):
    type = "portalflow.opportunity.drawing-submitted.v1"
    roof: JsonObject = Field(
        description="GeoJSON FeatureCollection of the roof's polygons (WGS84).")
    roof_area_m2: float = Field(ge=0)


class SignedContractReceived(OpportunityEvent):
    type = "portalflow.opportunity.signed-contract-received.v1"
    contract_id: Id
    document: DocumentRef


class StepCompleted(OpportunityEvent):
    """The customer completed the current step; a transition follows when one is mapped."""

    type = "portalflow.opportunity.step-completed.v1"
    substate_id: Id
    panel: str


class ReactivationRequested(OpportunityEvent):
    type = "portalflow.opportunity.reactivation-requested.v1"
