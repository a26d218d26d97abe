"""The customer's view, built from the projected flow definition and opportunity."""

import copy

from portalflow_contracts.events import flow as events
from portalflow_contracts.events.catalog import CatalogEvent
from portalflow_contracts.events.flow import (
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.events.opportunity import OpportunityEvent
from portalflow_contracts.registry import EVENT_TYPES
from portalflow_portal.adapters.projection import HANDLERS, NOT_SHOWN
from portalflow_portal.domain import definition, view

EVENTS = [
    OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
        StateDefinition(state_id="start", name="Start", icon="file-text", substates=(
            SubstateDefinition(substate_id="docs", name="Documents"),
            SubstateDefinition(substate_id="review", name="Internal review"),
            SubstateDefinition(substate_id="drawing", name="Roof"))),
        StateDefinition(state_id="sale", name="Sale", substates=(
            SubstateDefinition(substate_id="offer", name="Offer"),)),
        StateDefinition(state_id="backoffice", name="Back office", substates=(
            SubstateDefinition(substate_id="billing", name="Billing"),)))),
    StatePortalInfoSaved(opportunity_type_id="solar", state_id="start",
                         public_name={"es": "Inicio", "it": "Inizio"}),
    StatePortalInfoSaved(opportunity_type_id="solar", state_id="sale",
                         public_name={"es": "Venta", "it": "Vendita"},
                         description={"es": "Su oferta"}),
    *[SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id=sid,
                                public_name={"es": es, "it": it}, panel=panel)
      for sid, es, it, panel in [("docs", "Documentos", "Documenti", "initial-documentation"),
                                 ("drawing", "Tejado", "Tetto", "drawing"),
                                 ("offer", "Oferta", "Offerta", "offer"),
                                 ("billing", "Facturación", "Fatturazione", None)]],
]


def flow(*changes) -> dict:
    state = None
    for event in (*EVENTS, *changes):
        state = definition.apply(state, event)
    return state


def opportunity(substate_id: str, visited: list[str], offers: dict | None = None) -> dict:
    return {"opportunity_id": "opp", "title": "Roof", "substate_id": substate_id,
            "visited": visited, "offers": offers or {}}


def test_only_named_states_and_substates_are_shown_with_their_marks():
    shown = view.build(flow(), opportunity("offer", ["docs", "review", "drawing", "offer"]), ["es"])
    assert [(s["public_name"], s["status"]) for s in shown["states"]] == [
        ("Inicio", "done"), ("Venta", "current")]
    assert [(s["public_name"], s["status"]) for s in shown["states"][0]["substates"]] == [
        ("Documentos", "done"), ("Tejado", "done")]


def test_a_substate_passed_without_visiting_it_is_skipped_not_done():
    shown = view.build(flow(), opportunity("offer", ["docs", "offer"]), ["es"])
    assert [s["status"] for s in shown["states"][0]["substates"]] == ["done", "skipped"]


def test_going_back_makes_later_steps_upcoming_again():
    shown = view.build(flow(), opportunity("docs", ["docs", "drawing", "offer", "docs"]), ["es"])
    assert [s["status"] for s in shown["states"]] == ["current", "upcoming"]


def test_texts_follow_the_preferred_locale_then_any_available():
    shown = view.build(flow(), opportunity("offer", ["offer"]), ["it", "es"])
    assert shown["current"]["public_name"] == "Offerta"
    assert shown["states"][1]["description"] == "Su oferta"  # no Italian text: fallback


def test_the_offer_panel_carries_the_offers_in_the_order_issued():
    offers = {"b": {"title": "8 kW", "status": "open", "issued_at": "2026-11-02T10:00:00+00:00"},
              "a": {"title": "6 kW", "status": "open", "issued_at": "2026-11-01T10:00:00+00:00"}}
    shown = view.build(flow(), opportunity("offer", ["offer"], offers), ["es"])
    expected = {"key": "offer", "fields": [], "offers": [{"offer_id": "a", **offers["a"]},
                                                         {"offer_id": "b", **offers["b"]}]}
    assert shown["current"]["panel"] == expected


def test_an_internal_substate_shows_no_current_step():
    shown = view.build(flow(), opportunity("review", ["docs", "review"]), ["es"])
    assert shown["current"] is None
    assert [s["status"] for s in shown["states"][0]["substates"]] == ["done", "upcoming"]


def glance(shown: dict) -> tuple:
    return tuple(step and step["public_name"] for step in shown["steps"].values())


def test_the_steps_at_a_glance_are_the_visible_ones_around_the_current_substate():
    assert glance(view.build(flow(), opportunity("drawing", ["docs", "drawing"]), ["es"])) == (
        "Documentos", "Tejado", "Oferta")  # the internal review substate is passed over
    assert glance(view.build(flow(), opportunity("docs", ["docs"]), ["es"])) == (
        None, "Documentos", "Tejado")
    # billing has a public name, but its state has none: the customer never sees it
    assert glance(view.build(flow(), opportunity("offer", ["offer"]), ["it"])) == (
        "Tetto", "Offerta", None)


def test_in_an_internal_substate_the_glance_shows_the_visible_steps_either_side():
    shown = view.build(flow(), opportunity("review", ["docs", "review"]), ["es"])
    assert shown["steps"] == {
        "previous": {"substate_id": "docs", "public_name": "Documentos"}, "current": None,
        "next": {"substate_id": "drawing", "public_name": "Tejado"}}


def test_states_show_in_the_order_configured_with_their_icon_and_colour():
    reordered = flow(events.StatesReordered(opportunity_type_id="solar",
                                            state_ids=("sale", "backoffice", "start")),
                     events.StateAppearanceChanged(opportunity_type_id="solar", state_id="sale",
                                                   icon="sun", colour="#f5a623"))
    shown = view.build(reordered, opportunity("offer", ["docs", "offer"]), ["es"])
    assert [(s["public_name"], s["icon"], s["colour"], s["status"]) for s in shown["states"]] == [
        ("Venta", "sun", "#f5a623", "current"), ("Inicio", "file-text", None, "upcoming")]
    assert glance(shown) == (None, "Oferta", "Documentos")


def test_added_renamed_reordered_and_removed_substates_are_projected():
    changed = flow(
        events.SubstateAdded(opportunity_type_id="solar", state_id="sale", substate_id="signed",
                             name="Signed", position=0),
        events.SubstateRenamed(opportunity_type_id="solar", substate_id="signed", name="Firma"),
        events.SubstatesReordered(opportunity_type_id="solar", state_id="sale",
                                  substate_ids=("offer", "signed")),
        events.SubstateRemoved(opportunity_type_id="solar", state_id="start",
                               substate_id="drawing"),
        events.StateAdded(opportunity_type_id="solar", state_id="end", name="End", position=1,
                          colour="#00ff00"),
        events.StateRenamed(opportunity_type_id="solar", state_id="end", name="Closing"),
        events.StateRemoved(opportunity_type_id="solar", state_id="backoffice"),
        events.OpportunityTypeRenamed(opportunity_type_id="solar", name="Solar 2026"),
        events.OpportunityTypeArchived(opportunity_type_id="solar"))
    assert [(s["state_id"], s["name"], [sub["name"] for sub in s["substates"]])
            for s in changed["states"]] == [
        ("start", "Start", ["Documents", "Internal review"]),
        ("end", "Closing", []), ("sale", "Sale", ["Offer", "Firma"])]
    assert definition.substate(changed, "drawing") is None  # gone with its portal config
    assert (changed["name"], changed["archived"]) == ("Solar 2026", True)


def test_projecting_an_event_leaves_the_previous_definition_unchanged():
    before = flow()
    kept = copy.deepcopy(before)
    definition.apply(before, events.SubstateRemoved(opportunity_type_id="solar",
                                                    state_id="start", substate_id="docs"))
    definition.apply(before, events.StatesReordered(opportunity_type_id="solar",
                                                    state_ids=("sale", "start", "backoffice")))
    assert before == kept


def test_every_flow_event_type_is_projected():
    flow_types = {t for t, model in EVENT_TYPES.items() if issubclass(model, events.FlowEvent)}
    assert flow_types <= set(HANDLERS)
    assert {model.type for model in definition.APPLY} == flow_types


def test_every_catalog_and_opportunity_event_is_projected_or_shows_nothing():
    kinds = (CatalogEvent, OpportunityEvent)
    types = {t for t, model in EVENT_TYPES.items() if issubclass(model, kinds)}
    assert types - NOT_SHOWN <= set(HANDLERS)


def test_while_the_flow_lacks_the_current_substate_the_view_still_shows_the_steps():
    # A substate's removal can be projected before the move away from it (two topics).
    removed = flow(events.SubstateRemoved(opportunity_type_id="solar", state_id="start",
                                          substate_id="review"))
    shown = view.build(removed, opportunity("review", ["docs", "review"]), ["es"])
    assert shown["current"] is None
    assert [s["status"] for s in shown["states"][0]["substates"]] == ["done", "upcoming"]
    assert shown["steps"] == {"previous": None, "current": None, "next": None}
