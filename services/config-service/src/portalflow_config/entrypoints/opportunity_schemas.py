"""Request and response bodies of the opportunity routes."""

from decimal import Decimal

from pydantic import BaseModel, Field

from portalflow_config.entrypoints.flow_schemas import Body, Name
from portalflow_contracts.values import Locale


class OpportunityCreate(Body):
    opportunity_type_id: str
    title: Name
    substate_id: str | None = Field(None, description="Default: the first substate of the flow.")
    locale: Locale | None = None


class OpportunityPublic(BaseModel):
    opportunity_id: str
    opportunity_type_id: str
    substate_id: str
    title: str
    locale: str | None
    offers: dict[str, str] = Field(description="Offer id → open, accepted or rejected.")
    portal_access: bool
    version: int


class OfferCreate(Body):
    title: Name
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, examples=["12450.00"])
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")


class OfferPublic(BaseModel):
    offer_id: str
    version: int


class SubstateMove(Body):
    substate_id: str
    reason: str | None = Field(None, max_length=500)


class PortalAccessPublic(BaseModel):
    token: str = Field(description="Shown once: only its hash is stored.")
    version: int
