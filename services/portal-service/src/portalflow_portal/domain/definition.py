"""The flow definition as the portal keeps it: one JSON document per opportunity type."""

from collections.abc import Callable

from portalflow_contracts.events import flow as events

PORTAL_KEYS = ("public_name", "description", "panel", "fields", "conditions")


def _state(state_id: str, name: str, icon: str | None, colour: str | None,
           substates: list[dict]) -> dict:
    return {"state_id": state_id, "name": name, "icon": icon, "colour": colour,
            "public_name": None, "description": None, "substates": substates}


def _substate(substate_id: str, name: str) -> dict:
    return {"substate_id": substate_id, "name": name, "public_name": None, "description": None,
            "panel": None, "fields": [], "conditions": []}


def _created(_: dict | None, event: events.OpportunityTypeCreated) -> dict:
    return {"name": event.name, "archived": False, "external_actions": {}, "states": [
        _state(s.state_id, s.name, s.icon, s.colour,
               [_substate(sub.substate_id, sub.name) for sub in s.substates])
        for s in event.states]}


def _states(definition: dict, change: Callable[[list[dict]], list[dict]]) -> dict:
    return {**definition, "states": change(definition["states"])}


def _in_state(definition: dict, state_id: str, change: Callable[[dict], dict]) -> dict:
    return _states(definition, lambda states: [
        change(s) if s["state_id"] == state_id else s for s in states])


def _substates(definition: dict, change: Callable[[list[dict]], list[dict]]) -> dict:
    return _states(definition, lambda states: [
        {**s, "substates": change(s["substates"])} for s in states])


def _edit_substate(definition: dict, substate_id: str, changes: dict) -> dict:
    return _substates(definition, lambda subs: [
        {**sub, **changes} if sub["substate_id"] == substate_id else sub for sub in subs])


def _insert(items: list, position: int, item) -> list:
    return [*items[:position], item, *items[position:]]


def _ordered(items: list[dict], ids, key: str) -> list[dict]:
    by_id = {item[key]: item for item in items}
    return [by_id[i] for i in ids]


# How each flow event changes the definition; every function returns a new document.
APPLY: dict[type[events.FlowEvent], Callable[[dict, events.FlowEvent], dict]] = {
    events.OpportunityTypeCreated: _created,
    events.OpportunityTypeRenamed: lambda d, e: {**d, "name": e.name},
    events.OpportunityTypeArchived: lambda d, e: {**d, "archived": True},
    events.StateAdded: lambda d, e: _states(d, lambda states: _insert(
        states, e.position, _state(e.state_id, e.name, e.icon, e.colour, []))),
    events.StateRenamed: lambda d, e: _in_state(d, e.state_id, lambda s: {**s, "name": e.name}),
    events.StateAppearanceChanged: lambda d, e: _in_state(
        d, e.state_id, lambda s: {**s, "icon": e.icon, "colour": e.colour}),
    events.StatesReordered: lambda d, e: _states(
        d, lambda states: _ordered(states, e.state_ids, "state_id")),
    events.StateRemoved: lambda d, e: _states(
        d, lambda states: [s for s in states if s["state_id"] != e.state_id]),
    events.SubstateAdded: lambda d, e: _in_state(d, e.state_id, lambda s: {
        **s, "substates": _insert(s["substates"], e.position,
                                  _substate(e.substate_id, e.name))}),
    events.SubstateRenamed: lambda d, e: _edit_substate(d, e.substate_id, {"name": e.name}),
    events.SubstatesReordered: lambda d, e: _in_state(d, e.state_id, lambda s: {
        **s, "substates": _ordered(s["substates"], e.substate_ids, "substate_id")}),
    events.SubstateRemoved: lambda d, e: _substates(
        d, lambda subs: [sub for sub in subs if sub["substate_id"] != e.substate_id]),
    events.StatePortalInfoSaved: lambda d, e: _in_state(d, e.state_id, lambda s: {
        **s, "public_name": e.public_name, "description": e.description}),
    events.SubstatePortalConfigSaved: lambda d, e: _edit_substate(
        d, e.substate_id, e.model_dump(mode="json", include=set(PORTAL_KEYS))),
    events.ExternalActionMapped: lambda d, e: {**d, "external_actions": {
        **d["external_actions"], e.action.value: e.target_substate_id}},
    events.ExternalActionUnmapped: lambda d, e: {**d, "external_actions": {
        a: t for a, t in d["external_actions"].items() if a != e.action.value}},
}


def apply(definition: dict | None, event: events.FlowEvent) -> dict:
    """The definition after `event`; the input is left unchanged."""
    try:
        change = APPLY[type(event)]
    except KeyError:
        raise TypeError(f"not a flow event: {event!r}") from None
    return change(definition, event)


def substate(definition: dict, substate_id: str) -> dict | None:
    """The substate's portal config, or None if the flow has no such substate."""
    return next((sub for state in definition["states"] for sub in state["substates"]
                 if sub["substate_id"] == substate_id), None)
