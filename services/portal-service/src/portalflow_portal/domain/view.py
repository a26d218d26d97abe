"""What the customer sees: visible steps marked done/current/upcoming, and the current panel."""

from collections.abc import Sequence

from portalflow_contracts.values import PanelKey
from portalflow_portal.domain.definition import substate

DONE, CURRENT, UPCOMING, SKIPPED = "done", "current", "upcoming", "skipped"


def localize(text: dict | None, locales: Sequence[str]) -> str | None:
    """The text in the first locale of `locales` it has, else in any locale it has."""
    if not text:
        return None
    for locale in locales:
        if locale in text:
            return text[locale]
    return next(iter(text.values()))


def _mark(index: int, current: int, visited: bool) -> str:
    if index == current:
        return CURRENT
    if index > current:
        return UPCOMING
    return DONE if visited else SKIPPED


def build(definition: dict, opportunity: dict, locales: Sequence[str]) -> dict:
    """The customer's view of an opportunity, in the first locale of `locales` available."""
    order = [sub["substate_id"] for state in definition["states"] for sub in state["substates"]]
    position = order.index(opportunity["substate_id"])
    visited = set(opportunity["visited"])
    states, steps, index = [], [], 0
    for state in definition["states"]:
        first = index
        substates, indexes = [], []
        for sub in state["substates"]:
            if sub["public_name"]:
                substates.append({"substate_id": sub["substate_id"],
                                  "public_name": localize(sub["public_name"], locales),
                                  "status": _mark(index, position, sub["substate_id"] in visited)})
                indexes.append(index)
            index += 1
        if state["public_name"]:
            in_state = first <= position < index
            mark = CURRENT if in_state else _mark(first, position, any(
                s["substate_id"] in visited for s in state["substates"]))
            states.append({"state_id": state["state_id"], "status": mark,
                           "public_name": localize(state["public_name"], locales),
                           "description": localize(state["description"], locales),
                           "icon": state.get("icon"), "colour": state.get("colour"),
                           "substates": substates})
            steps += zip(indexes, substates, strict=True)
    return {"opportunity_id": opportunity["opportunity_id"], "title": opportunity["title"],
            "states": states, "current": _current(definition, opportunity, locales),
            "steps": _at_a_glance(steps, position)}


def _at_a_glance(steps: list[tuple[int, dict]], position: int) -> dict:
    """The visible steps (flow index, substate) just before, at and just after `position`."""
    def link(found: list[dict]) -> dict | None:
        return {k: found[0][k] for k in ("substate_id", "public_name")} if found else None

    return {"previous": link([sub for i, sub in reversed(steps) if i < position]),
            "current": link([sub for i, sub in steps if i == position]),
            "next": link([sub for i, sub in steps if i > position])}


def _current(definition: dict, opportunity: dict, locales: Sequence[str]) -> dict | None:
    sub = substate(definition, opportunity["substate_id"])
    if not sub["public_name"]:
        return None  # an internal substate: the customer sees only the steps
    panel = sub["panel"]
    return {"substate_id": sub["substate_id"],
            "public_name": localize(sub["public_name"], locales),
            "description": localize(sub["description"], locales),
            "panel": {"key": panel, **_payload(panel, opportunity)} if panel else None}


def _payload(panel: str, opportunity: dict) -> dict:
    if panel == PanelKey.OFFER:
        offers = [{"offer_id": offer_id, **offer}
                  for offer_id, offer in opportunity["offers"].items()]
        return {"offers": sorted(offers, key=lambda offer: offer["issued_at"])}
    return {}
