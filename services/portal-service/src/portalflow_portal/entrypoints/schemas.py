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
    status: StepStatus
    substates: list[SubstateStep]


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


class PortalView(BaseModel):
    opportunity_id: str
    title: str
    states: list[StateStep] = Field(description="Visible states in flow order.")
    current: CurrentStep | None = Field(description="None while in an internal substate.")


class Accepted(BaseModel):
    customer_event_id: str = Field(description="Id of the customer event emitted.")
