"""The flow definition as the portal keeps it: one JSON document per opportunity type."""

from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    FlowEvent,
    OpportunityTypeCreated,
    StatePortalInfoSaved,
    SubstatePortalConfigSaved,
)

PORTAL_KEYS = ("public_name", "description", "panel", "fields", "conditions")


def apply(definition: dict | None, event: FlowEvent) -> dict:
    """The definition after `event`; the input is left unchanged."""
    match event:
        case OpportunityTypeCreated():
            return {"name": event.name, "external_actions": {}, "states": [
                {"state_id": s.state_id, "name": s.name, "public_name": None,
                 "description": None,
                 "substates": [{"substate_id": sub.substate_id, "name": sub.name,
                                "public_name": None, "description": None, "panel": None,
                                "fields": [], "conditions": []} for sub in s.substates]}
                for s in event.states]}
        case StatePortalInfoSaved():
            return _edit(definition, lambda s: s["state_id"] == event.state_id, {
                "public_name": event.public_name, "description": event.description}, level=0)
        case SubstatePortalConfigSaved():
            fields = event.model_dump(mode="json", include=set(PORTAL_KEYS))
            return _edit(definition, lambda s: s["substate_id"] == event.substate_id, fields,
                         level=1)
        case ExternalActionMapped():
            return {**definition, "external_actions": {
                **definition["external_actions"], event.action.value: event.target_substate_id}}
    raise TypeError(f"not a flow event: {event!r}")


def _edit(definition: dict, match, changes: dict, level: int) -> dict:
    states = []
    for state in definition["states"]:
        if level == 0:
            states.append({**state, **changes} if match(state) else state)
        else:
            states.append({**state, "substates": [
                {**sub, **changes} if match(sub) else sub for sub in state["substates"]]})
    return {**definition, "states": states}


def substate(definition: dict, substate_id: str) -> dict | None:
    """The substate's portal config, or None if the flow has no such substate."""
    return next((sub for state in definition["states"] for sub in state["substates"]
                 if sub["substate_id"] == substate_id), None)
