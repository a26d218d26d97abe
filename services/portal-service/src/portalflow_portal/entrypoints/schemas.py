"""Response bodies of the customer API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from portalflow_contracts.events.catalog import Branding
from portalflow_contracts.events.opportunity import Installer
from portalflow_contracts.values import FieldType

StepStatus = Literal["done", "current", "upcoming", "skipped"]


class SubstateStep(BaseModel):
    substate_id: str
    public_name: str
    status: StepStatus


class StateStep(BaseModel):
    state_id: str
    public_name: str
    description: str | None
    icon: str | None = Field(description="Icon key, like `sun`; None: no icon.")
    colour: str | None = Field(description="`#rrggbb`; None: the portal's default.")
    status: StepStatus
    substates: list[SubstateStep] = Field(description="Visible substates in flow order.")


class Offer(BaseModel):
    offer_id: str
    title: str
    amount: str
    currency: str
    status: Literal["open", "accepted", "rejected"]
    issued_at: datetime


class Document(BaseModel):
    """A file the customer can download from `download_url` with their access token."""

    document_id: str
    file_name: str
    content_type: str
    size: int = Field(description="Bytes.")
    download_url: str


class Option(BaseModel):
    value: str
    label: str


class PanelField(BaseModel):
    """A dynamic field bound to the current substate, with its flags and value."""

    field_id: str
    key: str
    label: str
    type: FieldType
    options: list[Option] = Field(description="The choices of a select field.")
    required: bool = Field(description="The step completes only once it has a value.")
    read_only: bool = Field(description="Shown or downloaded only; the customer cannot set it.")
    value: Any = Field(description="The value shown: the customer's own write while it is on "
                                   "its way, else the recorded one; a file is a document ref.")
    download_url: str | None = Field(description="Where a file value downloads from.")


class Contract(BaseModel):
    contract_id: str
    title: str
    issued_at: datetime
    document: Document = Field(description="The contract to download and sign.")
    signed_document: Document | None = Field(description="The signed copy, once received.")


class Drawing(BaseModel):
    roof: dict = Field(description="GeoJSON FeatureCollection of the roof's polygons (WGS84).")
    roof_area_m2: float


class _Panel(BaseModel):
    fields: list[PanelField] = Field(
        description="The substate's bound fields in order; documentation panels are made of "
                    "them, other panels show them beside their own content.")


class DocumentationPanel(_Panel):
    key: Literal["initial-documentation", "offer-documentation", "financing-documentation",
                 "contracts-documentation", "installation-documentation"]


class DrawingPanel(_Panel):
    key: Literal["drawing"]
    drawing: Drawing | None = Field(description="The roof submitted; None: not drawn yet.")


class OfferPanel(_Panel):
    key: Literal["offer"]
    offers: list[Offer] = Field(description="In the order issued; each acceptable once.")


class InstallerVisitPanel(_Panel):
    key: Literal["installer-visit"]
    installer: Installer | None = Field(description="None: not assigned yet.")
    visit_at: datetime | None = Field(description="When the installer visits, once agreed.")


class ContractSigningPanel(_Panel):
    key: Literal["contract-signing"]
    contracts: list[Contract] = Field(description="In the order issued.")


class FinalizationSuccessPanel(_Panel):
    key: Literal["finalization-success"]
    text: str | None = Field(description="The org's end-of-process text for success.")


class FinalizationFailedPanel(_Panel):
    key: Literal["finalization-failed"]
    text: str | None = Field(description="The org's end-of-process text for failure.")
    reactivation_available: bool = Field(description="Whether to show the reactivation button.")


Panel = Annotated[
    DocumentationPanel | DrawingPanel | OfferPanel | InstallerVisitPanel | ContractSigningPanel
    | FinalizationSuccessPanel | FinalizationFailedPanel,
    Field(discriminator="key")]


class ConditionToAccept(BaseModel):
    condition_id: str
    version: int = Field(description="The version to accept.")
    title: str
    text: str


class CurrentStep(BaseModel):
    substate_id: str
    public_name: str
    description: str | None
    panel: Panel | None = Field(description="None: information only.")
    conditions: list[ConditionToAccept] = Field(
        description="The substate's conditions not yet accepted at their current version.")


class StepLink(BaseModel):
    substate_id: str
    public_name: str


class Steps(BaseModel):
    """The visible steps around the opportunity's position, in flow order."""

    previous: StepLink | None
    current: StepLink | None = Field(description="None while in an internal substate.")
    next: StepLink | None


class PortalView(BaseModel):
    opportunity_id: str
    title: str
    locale: str = Field(description="The locale texts were chosen in, where they have it.")
    branding: Branding | None = Field(description="How the org presents itself; None: unset.")
    states: list[StateStep] = Field(description="Visible states in flow order.")
    current: CurrentStep | None = Field(description="None while in an internal substate.")
    steps: Steps = Field(description="Previous, current and next visible step at a glance.")

