"""Flow-definition events: the configuration of opportunity types, keyed by org."""

from pydantic import Field

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import FLOW_DEFINITIONS
from portalflow_contracts.values import ExternalAction, Frozen, LocalizedText, PanelKey


class SubstateDefinition(Frozen):
    substate_id: str
    name: str = Field(description="Internal name, seen by the back office only.")


class StateDefinition(Frozen):
    state_id: str
    name: str = Field(description="Internal name, seen by the back office only.")
    substates: tuple[SubstateDefinition, ...]


class FieldBinding(Frozen):
    """A dynamic field shown on a substate's panel."""

    field: str = Field(description="Id of the dynamic field.")
    required: bool = False
    read_only: bool = False


class FlowEvent(Event):
    topic = FLOW_DEFINITIONS
    opportunity_type_id: str


class OpportunityTypeCreated(FlowEvent):
    type = "portalflow.flow.opportunity-type-created.v1"
    name: str
    states: tuple[StateDefinition, ...] = Field(description="States in flow order.")


class StatePortalInfoSaved(FlowEvent):
    """What the customer reads for a state; no public name makes the state internal."""

    type = "portalflow.flow.state-portal-info-saved.v1"
    state_id: str
    public_name: LocalizedText | None = None
    description: LocalizedText | None = None


class SubstatePortalConfigSaved(FlowEvent):
    """A substate's whole portal config, as saved by "Editar estado"."""

    type = "portalflow.flow.substate-portal-config-saved.v1"
    substate_id: str
    public_name: LocalizedText | None = None
    description: LocalizedText | None = None
    panel: PanelKey | None = Field(default=None, description="None: information only.")
    fields: tuple[FieldBinding, ...] = ()
    conditions: tuple[str, ...] = Field(default=(), description="Ids of conditions to accept.")


class ExternalActionMapped(FlowEvent):
    type = "portalflow.flow.external-action-mapped.v1"
    action: ExternalAction
    target_substate_id: str


__all__ = [
    "ExternalActionMapped",
    "FieldBinding",
    "FlowEvent",
    "OpportunityTypeCreated",
    "StateDefinition",
    "StatePortalInfoSaved",
    "SubstateDefinition",
    "SubstatePortalConfigSaved",
]
