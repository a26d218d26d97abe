"""Request and response bodies of the opportunity-type routes."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portalflow_contracts.events.flow import FieldBinding
from portalflow_contracts.values import ExternalAction, LocalizedText, PanelKey

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubstateCreate(Body):
    name: Name


class StateCreate(Body):
    name: Name
    substates: list[SubstateCreate] = Field(min_length=1)


class OpportunityTypeCreate(Body):
    name: Name
    states: list[StateCreate] = Field(min_length=1, description="States in flow order.")


class StatePortalInfo(Body):
    """"Información del estado": what the customer reads for a state."""

    public_name: LocalizedText | None = Field(None, description="None keeps the state internal.")
    description: LocalizedText | None = None


class SubstatePortalConfig(StatePortalInfo):
    """The whole portal config of a substate, saved at once like "Editar estado"."""

    panel: PanelKey | None = Field(None, description="The view shown; None: information only.")
    fields: list[FieldBinding] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)


class SubstatePublic(BaseModel):
    substate_id: str
    name: str
    portal: SubstatePortalConfig | None


class StatePublic(BaseModel):
    state_id: str
    name: str
    portal: StatePortalInfo | None
    substates: list[SubstatePublic]


class OpportunityTypePublic(BaseModel):
    opportunity_type_id: str
    name: str
    version: int
    states: list[StatePublic]
    external_actions: dict[ExternalAction, str]


class ExternalActionTarget(Body):
    target_substate_id: str
