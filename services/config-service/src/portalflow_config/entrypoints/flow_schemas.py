"""Request and response bodies of the opportunity-type routes."""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from portalflow_contracts.events.flow import (
    COLOUR_PATTERN,
    ICON_PATTERN,
    MAX_BINDINGS,
    MAX_CONDITIONS,
    MAX_STATES,
    MAX_SUBSTATES,
    FieldBinding,
)
from portalflow_contracts.values import STRICT, ExternalAction, Id, LocalizedText, PanelKey
from portalflow_eventing.checked_input import MAX_INTEGER

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _icon(value: str) -> str:
    if len(value) > 40 or not re.fullmatch(ICON_PATTERN, value):
        raise ValueError(f"{value!r} is not an icon key: use up to 40 lower-case letters and "
                         "digits in words joined by single hyphens, like `sun` or `file-text`")
    return value


def _colour(value: str) -> str:
    if not re.fullmatch(COLOUR_PATTERN, value.strip().lower()):
        raise ValueError(f"{value!r} is not a colour: use #rrggbb with six hex digits, "
                         "like #f5a623")
    return value.strip().lower()


Icon = Annotated[str, AfterValidator(_icon),
                 Field(description="Icon key, a slug.", examples=["sun", "file-text"])]
Colour = Annotated[str, AfterValidator(_colour),
                   Field(description="`#rrggbb`.", examples=["#f5a623"])]
Position = Annotated[int | None, Field(
    ge=0, le=MAX_INTEGER,
    description="Index among its siblings, 0 first; default: at the end.")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldBindingBody(FieldBinding):
    """A field binding as a request gives it: unknown fields refused."""

    model_config = STRICT


class SubstateCreate(Body):
    name: Name


class Appearance(Body):
    """How a state looks in the portal's stepper; None: no icon, the default colour."""

    icon: Icon | None = None
    colour: Colour | None = None


class StateCreate(Appearance):
    name: Name
    substates: list[SubstateCreate] = Field(min_length=1, max_length=MAX_SUBSTATES)


class OpportunityTypeCreate(Body):
    name: Name
    states: list[StateCreate] = Field(min_length=1, max_length=MAX_STATES,
                                      description="States in flow order.")


class Rename(Body):
    name: Name


class StateAdd(Appearance):
    name: Name
    position: Position = None


class SubstateAdd(Body):
    name: Name
    position: Position = None


class StateOrder(Body):
    state_ids: list[Id] = Field(max_length=1000,
                                description="Every state id of the flow, in the new order.")


class SubstateOrder(Body):
    substate_ids: list[Id] = Field(max_length=1000,
                                   description="Every substate id of the state, in order.")


class StatePortalInfo(Body):
    """"Información del estado": what the customer reads for a state."""

    public_name: LocalizedText | None = Field(None, description="None keeps the state internal.")
    description: LocalizedText | None = None


class SubstatePortalConfig(StatePortalInfo):
    """The whole portal config of a substate, saved at once like "Editar estado"."""

    panel: PanelKey | None = Field(None, description="The view shown; None: information only.")
    fields: list[FieldBindingBody] = Field(default_factory=list, max_length=MAX_BINDINGS)
    conditions: list[Id] = Field(default_factory=list, max_length=MAX_CONDITIONS)


class SubstatePublic(BaseModel):
    substate_id: str
    name: str
    portal: SubstatePortalConfig | None


class StatePublic(BaseModel):
    state_id: str
    name: str
    icon: str | None
    colour: str | None
    portal: StatePortalInfo | None
    substates: list[SubstatePublic] = Field(description="In flow order.")


class OpportunityTypeSummary(BaseModel):
    opportunity_type_id: str
    name: str
    archived: bool
    version: int


class OpportunityTypePublic(OpportunityTypeSummary):
    states: list[StatePublic] = Field(description="In flow order.")
    external_actions: dict[ExternalAction, str]


class ExternalActionTarget(Body):
    target_substate_id: Id
