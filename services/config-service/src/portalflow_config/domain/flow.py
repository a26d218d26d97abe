"""Opportunity types (flows): states and substates, their portal config, external actions."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from portalflow_config.domain.catalog import OrgCatalog, PortalSettings, check_text
from portalflow_config.domain.errors import (
    ConflictError,
    InvalidError,
    MappingInUseError,
    NotFoundError,
)
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    ExternalActionUnmapped,
    FieldBinding,
    FlowEvent,
    OpportunityTypeArchived,
    OpportunityTypeCreated,
    OpportunityTypeRenamed,
    StateAdded,
    StateAppearanceChanged,
    StateDefinition,
    StatePortalInfoSaved,
    StateRemoved,
    StateRenamed,
    StatesReordered,
    SubstateAdded,
    SubstateDefinition,
    SubstatePortalConfigSaved,
    SubstateRemoved,
    SubstateRenamed,
    SubstatesReordered,
)
from portalflow_contracts.values import DOCUMENTATION_PANELS, ExternalAction, PanelKey


@dataclass(frozen=True)
class OpportunityType:
    opportunity_type_id: str
    name: str
    states: tuple[StateDefinition, ...]
    archived: bool = False
    state_portal: dict[str, StatePortalInfoSaved] = field(default_factory=dict)
    substate_portal: dict[str, SubstatePortalConfigSaved] = field(default_factory=dict)
    external_actions: dict[ExternalAction, str] = field(default_factory=dict)

    @property
    def substate_ids(self) -> list[str]:
        """Every substate id in flow order."""
        return [s.substate_id for st in self.states for s in st.substates]

    def state(self, state_id: str) -> StateDefinition:
        """The state with this id, or NotFoundError."""
        found = next((s for s in self.states if s.state_id == state_id), None)
        if found is None:
            raise NotFoundError(f"state {state_id} not found in this flow")
        return found

    def state_of(self, substate_id: str) -> StateDefinition:
        """The state holding this substate, or NotFoundError."""
        found = next((s for s in self.states
                      if any(sub.substate_id == substate_id for sub in s.substates)), None)
        if found is None:
            raise NotFoundError(f"substate {substate_id} not found in this flow")
        return found

    def require_substate(self, substate_id: str, field_name: str = "substate_id") -> None:
        """Refuse a substate that is not part of this flow."""
        if substate_id not in self.substate_ids:
            raise InvalidError(field_name, f"{substate_id!r} is not a substate of this flow; "
                                           f"expected one of {self.substate_ids}")

    def require_active(self) -> None:
        """Refuse anything but reading once the opportunity type is archived."""
        if self.archived:
            raise ConflictError(f"opportunity type {self.opportunity_type_id} is archived: it "
                                "takes no further changes and no new opportunities")

    def panel(self, substate_id: str) -> PanelKey | None:
        """The panel the customer sees in a substate."""
        config = self.substate_portal.get(substate_id)
        return config.panel if config else None


def evolve(flow: OpportunityType | None, event: FlowEvent) -> OpportunityType:
    """Fold one event into the flow."""
    match event:
        case OpportunityTypeCreated():
            return OpportunityType(event.opportunity_type_id, event.name, event.states)
        case OpportunityTypeRenamed():
            return replace(flow, name=event.name)
        case OpportunityTypeArchived():
            return replace(flow, archived=True)
        case StateAdded():
            state = StateDefinition(state_id=event.state_id, name=event.name, substates=(),
                                    icon=event.icon, colour=event.colour)
            return replace(flow, states=_insert(flow.states, event.position, state))
        case StateRenamed():
            return _edit_state(flow, event.state_id, name=event.name)
        case StateAppearanceChanged():
            return _edit_state(flow, event.state_id, icon=event.icon, colour=event.colour)
        case StatesReordered():
            return replace(flow, states=_ordered(flow.states, event.state_ids, "state_id"))
        case StateRemoved():
            gone = flow.state(event.state_id)
            kept = tuple(s for s in flow.states if s.state_id != gone.state_id)
            return _forget(replace(flow, states=kept), {gone.state_id},
                           {s.substate_id for s in gone.substates})
        case SubstateAdded():
            added = SubstateDefinition(substate_id=event.substate_id, name=event.name)
            return _edit_state(flow, event.state_id, substates=_insert(
                flow.state(event.state_id).substates, event.position, added))
        case SubstateRenamed():
            state = flow.state_of(event.substate_id)
            return _edit_state(flow, state.state_id, substates=tuple(
                s.model_copy(update={"name": event.name}) if s.substate_id == event.substate_id
                else s for s in state.substates))
        case SubstatesReordered():
            return _edit_state(flow, event.state_id, substates=_ordered(
                flow.state(event.state_id).substates, event.substate_ids, "substate_id"))
        case SubstateRemoved():
            kept = tuple(s for s in flow.state(event.state_id).substates
                         if s.substate_id != event.substate_id)
            return _forget(_edit_state(flow, event.state_id, substates=kept), set(),
                           {event.substate_id})
        case StatePortalInfoSaved():
            return replace(flow, state_portal={**flow.state_portal, event.state_id: event})
        case SubstatePortalConfigSaved():
            return replace(flow, substate_portal={**flow.substate_portal,
                                                  event.substate_id: event})
        case ExternalActionMapped():
            return replace(flow, external_actions={**flow.external_actions,
                                                   event.action: event.target_substate_id})
        case ExternalActionUnmapped():
            return replace(flow, external_actions={a: t for a, t in flow.external_actions.items()
                                                   if a is not event.action})
    raise TypeError(f"not a flow event: {event!r}")


def _insert(items: tuple, position: int, item) -> tuple:
    return (*items[:position], item, *items[position:])


def _ordered(items: tuple, ids: Iterable[str], key: str) -> tuple:
    by_id = {getattr(item, key): item for item in items}
    return tuple(by_id[i] for i in ids)


def _edit_state(flow: OpportunityType, state_id: str, **changes) -> OpportunityType:
    return replace(flow, states=tuple(s.model_copy(update=changes) if s.state_id == state_id
                                      else s for s in flow.states))


def _forget(flow: OpportunityType, state_ids: set[str],
            substate_ids: set[str]) -> OpportunityType:
    """Drop the portal config of removed states and substates."""
    def without(config: Mapping, ids: set[str]) -> dict:
        return {k: v for k, v in config.items() if k not in ids}

    return replace(flow, state_portal=without(flow.state_portal, state_ids),
                   substate_portal=without(flow.substate_portal, substate_ids))


def save_state_portal_info(flow: OpportunityType, command: StatePortalInfoSaved,
                           settings: PortalSettings) -> list:
    """Save the public name and description of a state, in the org's locales."""
    flow.require_active()
    flow.state(command.state_id)
    check_text(settings, "public_name", command.public_name)
    check_text(settings, "description", command.description)
    return [command]


def save_substate_portal_config(flow: OpportunityType, command: SubstatePortalConfigSaved,
                                catalog: OrgCatalog) -> list:
    """Save a substate's whole portal config ("Editar estado") after checking every rule."""
    flow.require_active()
    flow.state_of(command.substate_id)
    check_text(catalog.settings, "public_name", command.public_name)
    check_text(catalog.settings, "description", command.description)
    known_fields, known_conditions = catalog.active_field_ids(), catalog.active_condition_ids()
    for i, binding in enumerate(command.fields):
        _check_binding(command.panel, i, binding)
        if binding.field not in known_fields:
            raise InvalidError(f"fields[{i}].field",
                               f"no active dynamic field {binding.field!r} in this org")
    _once([b.field for b in command.fields], "fields", "field", ".field")
    _once(list(command.conditions), "conditions", "condition", "")
    for i, condition_id in enumerate(command.conditions):
        if condition_id not in known_conditions:
            raise InvalidError(f"conditions[{i}]",
                               f"no active condition {condition_id!r} in this org")
    return [command]


def _check_binding(panel: PanelKey | None, i: int, binding: FieldBinding) -> None:
    """Required only where the customer fills fields in; elsewhere a bound value is only shown."""
    if binding.required and binding.read_only:
        raise InvalidError(f"fields[{i}]", "a field cannot be both required and read-only")
    if panel is None:
        raise InvalidError(f"fields[{i}]", "a substate without a panel shows no fields: choose "
                                           "a panel, or bind none")
    if panel in DOCUMENTATION_PANELS:
        return
    if binding.required:
        raise InvalidError(f"fields[{i}].required", (
            f"the {panel} panel only shows fields: the customer fills fields in only on a "
            "documentation panel, so a field can be required only there"))
    if not binding.read_only:
        raise InvalidError(f"fields[{i}].read_only", (
            f"the {panel} panel only shows fields: bind the field read-only here (the "
            "customer can change fields only on a documentation panel)"))


def _once(ids: list[str], field: str, what: str, suffix: str) -> None:
    """Refuse an id listed twice: each field and condition appears once per substate."""
    for i, item_id in enumerate(ids):
        if item_id in ids[:i]:
            raise InvalidError(f"{field}[{i}]{suffix}", (
                f"{what} {item_id!r} is already {field}[{ids.index(item_id)}]: list each "
                f"{what} once per substate"))


def map_external_action(flow: OpportunityType, command: ExternalActionMapped) -> list:
    """Point an external action at a substate of the same flow."""
    flow.require_active()
    flow.require_substate(command.target_substate_id, "target_substate_id")
    return [command]


def unmap_external_action(flow: OpportunityType, action: ExternalAction) -> list:
    """Clear an external action, unless a substate's panel needs it to move on."""
    flow.require_active()
    if action not in flow.external_actions:
        raise NotFoundError(f"external action {action} is not mapped for this flow")
    needed_by = [sub.substate_id for state in flow.states for sub in state.substates
                 if action in _needed(flow.panel(sub.substate_id))]
    if needed_by:
        raise MappingInUseError(
            f"external action {action} is how these substates move on when the customer is "
            "done: give them another panel, or map the action elsewhere instead of clearing it",
            {"substates": needed_by})
    return [ExternalActionUnmapped(opportunity_type_id=flow.opportunity_type_id, action=action)]


def _needed(panel: PanelKey | None) -> set[ExternalAction]:
    """The external actions without which the customer's step on `panel` cannot complete."""
    if panel in DOCUMENTATION_PANELS:
        return {ExternalAction(f"{panel}-completed")}
    if panel is PanelKey.FINALIZATION_FAILED:
        return {ExternalAction.SHOW_FLOW_REACTIVATION}
    return set()
