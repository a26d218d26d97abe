"""Flow-definition events: the configuration of opportunity types, keyed by org."""

from typing import Annotated

from pydantic import Field, StringConstraints

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import FLOW_DEFINITIONS
from portalflow_contracts.values import (
    ExternalAction,
    Frozen,
    Id,
    LocalizedText,
    Name,
    PanelKey,
)

ICON_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
COLOUR_PATTERN = r"^#[0-9a-f]{6}$"

Icon = Annotated[str, StringConstraints(pattern=ICON_PATTERN, max_length=40), Field(
    description="Key of an icon of the portal's icon set.", examples=["sun", "file-text"])]
Colour = Annotated[str, StringConstraints(pattern=COLOUR_PATTERN), Field(
    description="`#rrggbb`, lower case.", examples=["#f5a623"])]
Position = Annotated[int, Field(ge=0, description="Index in the parent's list, 0 first.")]
# What one request may give; a flow grows beyond them a state or a substate at a time.
MAX_STATES, MAX_SUBSTATES, MAX_BINDINGS, MAX_CONDITIONS = 50, 50, 100, 50


class SubstateDefinition(Frozen):
    substate_id: Id
    name: Name = Field(description="Internal name, seen by the back office only.")


class StateDefinition(Frozen):
    state_id: Id
    name: Name = Field(description="Internal name, seen by the back office only.")
    substates: tuple[SubstateDefinition, ...] = Field(max_length=MAX_SUBSTATES)
    icon: Icon | None = None
    colour: Colour | None = None


class FieldBinding(Frozen):
    """A dynamic field shown on a substate's panel."""

    field: Id = Field(description="Id of the dynamic field.")
    required: bool = False
    read_only: bool = False


class FlowEvent(Event):
    topic = FLOW_DEFINITIONS
    opportunity_type_id: Id


class OpportunityTypeCreated(FlowEvent):
    type = "portalflow.flow.opportunity-type-created.v1"
    name: Name
    states: tuple[StateDefinition, ...] = Field(max_length=MAX_STATES,
                                                description="States in flow order.")


class OpportunityTypeRenamed(FlowEvent):
    type = "portalflow.flow.opportunity-type-renamed.v1"
    name: Name


class OpportunityTypeArchived(FlowEvent):
    """No further changes and no new opportunities; existing ones keep their history."""

    type = "portalflow.flow.opportunity-type-archived.v1"


class StateAdded(FlowEvent):
    """A new state, without substates yet, inserted at `position`."""

    type = "portalflow.flow.state-added.v1"
    state_id: Id
    name: Name
    position: Position
    icon: Icon | None = None
    colour: Colour | None = None


class StateRenamed(FlowEvent):
    type = "portalflow.flow.state-renamed.v1"
    state_id: Id
    name: Name


class StateAppearanceChanged(FlowEvent):
    """A state's icon and colour, both replaced; None clears one."""

    type = "portalflow.flow.state-appearance-changed.v1"
    state_id: Id
    icon: Icon | None = None
    colour: Colour | None = None


class StatesReordered(FlowEvent):
    type = "portalflow.flow.states-reordered.v1"
    state_ids: tuple[Id, ...] = Field(description="Every state of the flow, in the new order.")


class StateRemoved(FlowEvent):
    """The state goes with its substates and their portal config."""

    type = "portalflow.flow.state-removed.v1"
    state_id: Id


class SubstateAdded(FlowEvent):
    type = "portalflow.flow.substate-added.v1"
    state_id: Id
    substate_id: Id
    name: Name
    position: Position


class SubstateRenamed(FlowEvent):
    type = "portalflow.flow.substate-renamed.v1"
    substate_id: Id
    name: Name


class SubstatesReordered(FlowEvent):
    type = "portalflow.flow.substates-reordered.v1"
    state_id: Id
    substate_ids: tuple[Id, ...] = Field(
        description="Every substate of the state, in the new order.")


class SubstateRemoved(FlowEvent):
    """The substate goes with its portal config."""

    type = "portalflow.flow.substate-removed.v1"
    state_id: Id
    substate_id: Id


class StatePortalInfoSaved(FlowEvent):
    """What the customer reads for a state; no public name makes the state internal."""

    type = "portalflow.flow.state-portal-info-saved.v1"
    state_id: Id
    public_name: LocalizedText | None = None
    description: LocalizedText | None = None


class SubstatePortalConfigSaved(FlowEvent):
    """A substate's whole portal config, as saved by "Editar estado"."""

    type = "portalflow.flow.substate-portal-config-saved.v1"
    substate_id: Id
    public_name: LocalizedText | None = None
    description: LocalizedText | None = None
    panel: PanelKey | None = Field(default=None, description="None: information only.")
    fields: tuple[FieldBinding, ...] = Field((), max_length=MAX_BINDINGS)
    conditions: tuple[Id, ...] = Field(default=(), max_length=MAX_CONDITIONS,
                                       description="Ids of conditions to accept.")


class ExternalActionMapped(FlowEvent):
    type = "portalflow.flow.external-action-mapped.v1"
    action: ExternalAction
    target_substate_id: Id


class ExternalActionUnmapped(FlowEvent):
    """The customer action no longer moves opportunities of this type."""

    type = "portalflow.flow.external-action-unmapped.v1"
    action: ExternalAction


__all__ = [
    "COLOUR_PATTERN",
    "ICON_PATTERN",
    "MAX_BINDINGS",
    "MAX_CONDITIONS",
    "MAX_STATES",
    "MAX_SUBSTATES",
    "ExternalActionMapped",
    "ExternalActionUnmapped",
    "FieldBinding",
    "FlowEvent",
    "OpportunityTypeArchived",
    "OpportunityTypeCreated",
    "OpportunityTypeRenamed",
    "StateAdded",
    "StateAppearanceChanged",
    "StateDefinition",
    "StatePortalInfoSaved",
    "StateRemoved",
    "StateRenamed",
    "StatesReordered",
    "SubstateAdded",
    "SubstateDefinition",
    "SubstatePortalConfigSaved",
    "SubstateRemoved",
    "SubstateRenamed",
    "SubstatesReordered",
]
