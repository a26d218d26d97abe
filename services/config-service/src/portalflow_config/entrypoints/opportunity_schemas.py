"""Request and response bodies of the opportunity routes."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from portalflow_config.entrypoints.flow_schemas import Body, Name
from portalflow_contracts.events.opportunity import Installer
from portalflow_contracts.values import STRICT, DocumentRef, Id, Locale


class InstallerBody(Installer):
    """An installer as a request gives it: unknown fields refused."""

    model_config = STRICT


class OpportunityCreate(Body):
    opportunity_type_id: Id
    title: Name
    substate_id: Id | None = Field(None, description="Default: the first substate of the flow.")
    locale: Locale | None = None


class InstallerAssignment(Body):
    installer: InstallerBody
    visit_at: datetime | None = None


class ContractCreate(Body):
    title: Name
    document_id: Id = Field(description="An uploaded document (POST /v1/documents).")


class ContractPublic(BaseModel):
    contract_id: str
    title: str
    document: DocumentRef
    signed_document: DocumentRef | None = Field(
        None, description="The signed copy the customer uploaded; null until then.")


class DrawingPublic(BaseModel):
    roof: dict = Field(description="GeoJSON FeatureCollection of the roof's polygons (WGS84).")
    roof_area_m2: float


class FieldValue(Body):
    value: Any = Field(description="Checked against the field's type; null clears it.")


class OpportunityPublic(BaseModel):
    opportunity_id: str
    opportunity_type_id: str
    substate_id: str
    title: str
    locale: str | None
    offers: dict[str, str] = Field(description="Offer id → open, accepted or rejected.")
    portal_access: bool
    fields: dict[str, Any] = Field(description="Dynamic field id → value.")
    installer: InstallerAssignment | None
    contracts: list[ContractPublic]
    accepted_conditions: dict[str, int] = Field(
        description="Condition id → the version the customer accepted; an older version than "
                    "the condition's current one must be accepted again.")
    drawing: DrawingPublic | None = Field(description="The customer's roof drawing, if any.")
    version: int


class OfferCreate(Body):
    title: Name
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, examples=["12450.00"])
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")


class OfferPublic(BaseModel):
    offer_id: str
    version: int


class SubstateMove(Body):
    substate_id: Id
    reason: str | None = Field(None, max_length=500)


class PortalAccessPublic(BaseModel):
    token: str = Field(description="Shown once: only its hash is stored.")
    version: int
