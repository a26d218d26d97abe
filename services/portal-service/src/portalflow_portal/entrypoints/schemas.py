"""Response bodies of the customer API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from portalflow_contracts.values import PanelKey

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


class Panel(BaseModel):
    key: PanelKey
    offers: list[Offer] | None = Field(None, description="On the offer panel only.")


class CurrentStep(BaseModel):
    substate_id: str
    public_name: str
    description: str | None
    panel: Panel | None = Field(description="None: information only.")


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
    states: list[StateStep] = Field(description="Visible states in flow order.")
    current: CurrentStep | None = Field(description="None while in an internal substate.")
    steps: Steps = Field(description="Previous, current and next visible step at a glance.")


class Accepted(BaseModel):
    customer_event_id: str = Field(description="Id of the customer event emitted.")
