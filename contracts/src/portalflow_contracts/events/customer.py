"""What customers did in the portal, keyed by opportunity id.

portal-service emits them after checking them against the current substate's panel;
config-service checks again and turns them into opportunity events and transitions.
"""

from pydantic import Field

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import CUSTOMER_EVENTS
from portalflow_contracts.values import DocumentRef, Id, JsonObject, JsonValue, PanelKey


class CustomerEvent(Event):
    topic = CUSTOMER_EVENTS
    opportunity_id: Id
    substate_id: Id = Field("", description="The substate the customer saw when acting.")


class CustomerSetFieldValue(CustomerEvent):
    type = "portalflow.customer.field-value-set.v1"
    field_id: Id
    value: JsonValue = Field(
        description="Already checked against the field's type; null clears.")


class CustomerUploadedDocument(CustomerEvent):
    """A document uploaded to a file field of the current panel."""

    type = "portalflow.customer.document-uploaded.v1"
    field_id: Id
    document: DocumentRef


class CustomerAcceptedCondition(CustomerEvent):
    type = "portalflow.customer.condition-accepted.v1"
    condition_id: Id
    version: int = Field(ge=1, description="The version of the condition's text accepted.")


class CustomerCompletedStep(CustomerEvent):
    """Every required field is filled and every condition accepted: the customer moves on."""

    type = "portalflow.customer.step-completed.v1"
    panel: PanelKey


class CustomerSubmittedDrawing(CustomerEvent):
    type = "portalflow.customer.drawing-submitted.v1"
    roof: JsonObject = Field(
        description="GeoJSON FeatureCollection of the roof's polygons (WGS84).")
    roof_area_m2: float = Field(ge=0, description="Geodesic area of the polygons.")


class CustomerAcceptedOffer(CustomerEvent):
    type = "portalflow.customer.offer-accepted.v1"
    offer_id: Id


class CustomerUploadedSignedContract(CustomerEvent):
    type = "portalflow.customer.signed-contract-uploaded.v1"
    contract_id: Id
    document: DocumentRef


class CustomerRequestedReactivation(CustomerEvent):
    """From the finalization-failed panel, when the org shows the reactivation button."""

    type = "portalflow.customer.reactivation-requested.v1"
