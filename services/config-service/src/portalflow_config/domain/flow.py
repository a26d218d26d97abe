"""Opportunity types (flows): states and substates, their portal config, external actions."""

from dataclasses import dataclass, field, replace

from portalflow_config.domain.errors import InvalidError, NotFoundError
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    FlowEvent,
    OpportunityTypeCreated,
    StatePortalInfoSaved,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction, PanelKey


@dataclass(frozen=True)
class OpportunityType:
    opportunity_type_id: str
    name: str
    states: tuple
    state_portal: dict[str, StatePortalInfoSaved] = field(default_factory=dict)
    substate_portal: dict[str, SubstatePortalConfigSaved] = field(default_factory=dict)
    external_actions: dict[ExternalAction, str] = field(default_factory=dict)

    @property
    def substate_ids(self) -> list[str]:
        """Every substate id in flow order."""
        return [s.substate_id for st in self.states for s in st.substates]

    def require_substate(self, substate_id: str, field_name: str = "substate_id") -> None:
        """Refuse a substate that is not part of this flow."""
        if substate_id not in self.substate_ids:
            raise InvalidError(field_name, f"{substate_id!r} is not a substate of this flow; "
                                           f"expected one of {self.substate_ids}")

    def panel(self, substate_id: str) -> PanelKey | None:
        """The panel the customer sees in a substate."""
        config = self.substate_portal.get(substate_id)
        return config.panel if config else None


def evolve(flow: OpportunityType | None, event: FlowEvent) -> OpportunityType:
    """Fold one event into the flow."""
    match event:
        case OpportunityTypeCreated():
            return OpportunityType(event.opportunity_type_id, event.name, event.states)
        case StatePortalInfoSaved():
            return replace(flow, state_portal={**flow.state_portal, event.state_id: event})
        case SubstatePortalConfigSaved():
            return replace(flow, substate_portal={**flow.substate_portal,
                                                  event.substate_id: event})
        case ExternalActionMapped():
            return replace(flow, external_actions={**flow.external_actions,
                                                   event.action: event.target_substate_id})
    raise TypeError(f"not a flow event: {event!r}")


def save_state_portal_info(flow: OpportunityType, command: StatePortalInfoSaved) -> list:
    """Save the public name and description of a state."""
    if command.state_id not in {s.state_id for s in flow.states}:
        raise NotFoundError(f"state {command.state_id} not found in this flow")
    return [command]


def save_substate_portal_config(
    flow: OpportunityType, command: SubstatePortalConfigSaved,
    known_fields: set[str], known_conditions: set[str],
) -> list:
    """Save a substate's whole portal config ("Editar estado") after checking every rule."""
    if command.substate_id not in flow.substate_ids:
        raise NotFoundError(f"substate {command.substate_id} not found in this flow")
    for i, binding in enumerate(command.fields):
        if binding.required and binding.read_only:
            raise InvalidError(f"fields[{i}]", "a field cannot be both required and read-only")
        if binding.field not in known_fields:
            raise InvalidError(f"fields[{i}].field",
                               f"no active dynamic field {binding.field!r} in this org")
    for i, condition_id in enumerate(command.conditions):
        if condition_id not in known_conditions:
            raise InvalidError(f"conditions[{i}]",
                               f"no active condition {condition_id!r} in this org")
    return [command]


def map_external_action(flow: OpportunityType, command: ExternalActionMapped) -> list:
    """Point an external action at a substate of the same flow."""
    flow.require_substate(command.target_substate_id, "target_substate_id")
    return [command]
