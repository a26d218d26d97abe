"""The shape of a flow: opportunity types, their states and substates, named and ordered."""

from collections.abc import Sequence
from dataclasses import dataclass

from portalflow_config.domain.commands import (
    AddState,
    AddSubstate,
    ArchiveOpportunityType,
    ChangeStateAppearance,
    RemoveState,
    RemoveSubstate,
    RenameOpportunityType,
    RenameState,
    RenameSubstate,
    ReorderStates,
    ReorderSubstates,
    StructureCommand,
)
from portalflow_config.domain.errors import InvalidError, SubstateInUseError
from portalflow_config.domain.flow import OpportunityType
from portalflow_contracts.events import flow as events


@dataclass(frozen=True)
class Facts:
    """What a decision needs from outside the flow's own stream."""

    type_names: frozenset[str] = frozenset()  # names of the org's other active types
    occupants: tuple[str, ...] = ()  # opportunities in the substates a removal drops


NO_FACTS = Facts()


def create(command: events.OpportunityTypeCreated, facts: Facts = NO_FACTS) -> list:
    """Create an opportunity type whose names are unique at every level."""
    _unique(command.name, facts.type_names, "name", "an active opportunity type of this org")
    for i, state in enumerate(command.states):
        _unique(state.name, [s.name for s in command.states[:i]], f"states[{i}].name",
                "a state of this flow")
        for j, sub in enumerate(state.substates):
            _unique(sub.name, [s.name for s in state.substates[:j]],
                    f"states[{i}].substates[{j}].name", f"a substate of state {state.name!r}")
    return [command]


def removed_substates(flow: OpportunityType, command: StructureCommand) -> list[str]:
    """The substates that `command` would remove, whose references must be checked."""
    match command:
        case RemoveState():
            return [s.substate_id for s in flow.state(command.state_id).substates]
        case RemoveSubstate():
            flow.state_of(command.substate_id)
            return [command.substate_id]
    return []


def decide(flow: OpportunityType, command: StructureCommand, facts: Facts = NO_FACTS) -> list:
    """The events that change the flow's structure as `command` asks, or a rule's error."""
    flow.require_active()
    ids = {"opportunity_type_id": flow.opportunity_type_id}
    match command:
        case RenameOpportunityType(name=name):
            _unique(name, facts.type_names, "name", "an active opportunity type of this org")
            return [events.OpportunityTypeRenamed(**ids, name=name)]
        case ArchiveOpportunityType():
            return [events.OpportunityTypeArchived(**ids)]
        case AddState(state_id=state_id, name=name, icon=icon, colour=colour):
            _unique(name, [s.name for s in flow.states], "name", "a state of this flow")
            position = _position(command.position, len(flow.states))
            return [events.StateAdded(**ids, state_id=state_id, name=name, position=position,
                                      icon=icon, colour=colour)]
        case RenameState(state_id=state_id, name=name):
            flow.state(state_id)
            _unique(name, [s.name for s in flow.states if s.state_id != state_id], "name",
                    "a state of this flow")
            return [events.StateRenamed(**ids, state_id=state_id, name=name)]
        case ChangeStateAppearance(state_id=state_id, icon=icon, colour=colour):
            flow.state(state_id)
            return [events.StateAppearanceChanged(**ids, state_id=state_id, icon=icon,
                                                  colour=colour)]
        case ReorderStates(state_ids=order):
            _same_set(order, [s.state_id for s in flow.states], "state_ids", "state of the flow")
            return [events.StatesReordered(**ids, state_ids=order)]
        case RemoveState(state_id=state_id):
            _removable(flow, removed_substates(flow, command), facts, "state_id",
                       f"state {flow.state(state_id).name!r}")
            return [events.StateRemoved(**ids, state_id=state_id)]
        case AddSubstate(state_id=state_id, substate_id=substate_id, name=name):
            siblings = flow.state(state_id).substates
            _unique(name, [s.name for s in siblings], "name", "a substate of this state")
            return [events.SubstateAdded(**ids, state_id=state_id, substate_id=substate_id,
                                         name=name,
                                         position=_position(command.position, len(siblings)))]
        case RenameSubstate(substate_id=substate_id, name=name):
            siblings = flow.state_of(substate_id).substates
            _unique(name, [s.name for s in siblings if s.substate_id != substate_id], "name",
                    "a substate of this state")
            return [events.SubstateRenamed(**ids, substate_id=substate_id, name=name)]
        case ReorderSubstates(state_id=state_id, substate_ids=order):
            current = [s.substate_id for s in flow.state(state_id).substates]
            _same_set(order, current, "substate_ids", "substate of this state")
            return [events.SubstatesReordered(**ids, state_id=state_id, substate_ids=order)]
        case RemoveSubstate(substate_id=substate_id):
            state = flow.state_of(substate_id)
            name = next(s.name for s in state.substates if s.substate_id == substate_id)
            _removable(flow, [substate_id], facts, "substate_id", f"substate {name!r}")
            return [events.SubstateRemoved(**ids, state_id=state.state_id,
                                           substate_id=substate_id)]
    raise TypeError(f"not a flow structure command: {command!r}")


def _unique(name: str, taken, field: str, what: str) -> None:
    if name.casefold() in {t.casefold() for t in taken}:
        raise InvalidError(field, f"{what} is already named {name!r}; "
                                  "choose a name no sibling has (case is ignored)")


def _position(position: int | None, size: int) -> int:
    if position is None:
        return size
    if not 0 <= position <= size:
        raise InvalidError("position", f"position {position} is out of range: give 0 to {size} "
                                       f"({size} adds at the end), or leave it out")
    return position


def _same_set(given: Sequence[str], current: Sequence[str], field: str, what: str) -> None:
    problems = {
        "missing": [i for i in current if i not in given],
        f"not a {what}": sorted({i for i in given if i not in current}),
        "listed twice": sorted({i for i in given if given.count(i) > 1}),
    }
    if any(problems.values()):
        found = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in problems.items() if ids)
        raise InvalidError(field, f"{field} must list every {what} exactly once, "
                                  f"{len(current)} in all ({found})")


def _removable(flow: OpportunityType, substate_ids: list[str], facts: Facts, field: str,
               what: str) -> None:
    if not set(flow.substate_ids) - set(substate_ids):
        raise InvalidError(field, "a flow keeps at least one state with one substate; "
                                  f"add another substate before removing {what}")
    actions = sorted(a.value for a, target in flow.external_actions.items()
                     if target in substate_ids)
    if actions or facts.occupants:
        raise SubstateInUseError(
            f"{what} is still in use: map these external actions to another substate and "
            "move these opportunities out before removing it",
            {"external_actions": actions, "opportunities": sorted(facts.occupants)})
