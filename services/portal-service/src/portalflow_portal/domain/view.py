"""What the customer sees: visible steps marked done/current/upcoming, and the current panel."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from portalflow_portal.domain import panels
from portalflow_portal.domain.definition import substate
from portalflow_portal.domain.locales import localize

DONE, CURRENT, UPCOMING, SKIPPED = "done", "current", "upcoming", "skipped"


@dataclass(frozen=True)
class Catalog:
    """What the view needs of the org: portal settings and the catalog entries it names."""

    settings: dict | None = None
    fields: Mapping[str, dict] = field(default_factory=dict)
    conditions: Mapping[str, dict] = field(default_factory=dict)


def _mark(index: int, current: int | None, visited: bool) -> str:
    if current is None:  # the flow no longer has the substate: its removal overtook the move
        return DONE if visited else UPCOMING
    if index == current:
        return CURRENT
    if index > current:
        return UPCOMING
    return DONE if visited else SKIPPED


def build(definition: dict, opportunity: dict, locales: Sequence[str],
          catalog: Catalog | None = None) -> dict:
    """The customer's view of an opportunity, in the first locale of `locales` available."""
    catalog = catalog or Catalog()
    order = [sub["substate_id"] for state in definition["states"] for sub in state["substates"]]
    here = opportunity["substate_id"]
    position = order.index(here) if here in order else None
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
            in_state = position is not None and first <= position < index
            mark = CURRENT if in_state else _mark(first, position, any(
                s["substate_id"] in visited for s in state["substates"]))
            states.append({"state_id": state["state_id"], "status": mark,
                           "public_name": localize(state["public_name"], locales),
                           "description": localize(state["description"], locales),
                           "icon": state.get("icon"), "colour": state.get("colour"),
                           "substates": substates})
            steps += zip(indexes, substates, strict=True)
    settings = catalog.settings or {}
    return {"opportunity_id": opportunity["opportunity_id"], "title": opportunity["title"],
            "locale": locales[0], "branding": settings.get("branding"),
            "states": states, "current": _current(definition, opportunity, locales, catalog),
            "steps": _at_a_glance(steps, position)}


def _at_a_glance(steps: list[tuple[int, dict]], position: int | None) -> dict:
    """The visible steps (flow index, substate) just before, at and just after `position`."""
    def link(found: list[dict]) -> dict | None:
        return {k: found[0][k] for k in ("substate_id", "public_name")} if found else None

    if position is None:
        return {"previous": None, "current": None, "next": None}

    return {"previous": link([sub for i, sub in reversed(steps) if i < position]),
            "current": link([sub for i, sub in steps if i == position]),
            "next": link([sub for i, sub in steps if i > position])}


def _current(definition: dict, opportunity: dict, locales: Sequence[str],
             catalog: Catalog) -> dict | None:
    sub = substate(definition, opportunity["substate_id"])
    if not sub or not sub["public_name"]:
        return None  # an internal substate: the customer sees only the steps
    panel = sub["panel"] and panels.panel(sub["panel"], sub, opportunity, catalog.fields,
                                          catalog.settings, locales)
    return {"substate_id": sub["substate_id"],
            "public_name": localize(sub["public_name"], locales),
            "description": localize(sub["description"], locales),
            "panel": panel or None,
            "conditions": panels.conditions_to_accept(sub, opportunity, catalog.conditions,
                                                      locales)}
