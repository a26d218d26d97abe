"""The customer's view, built from the projected flow definition and opportunity."""

from portalflow_contracts.events.flow import (
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_portal.domain import definition, view

EVENTS = [
    OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
        StateDefinition(state_id="start", name="Start", substates=(
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
                                 ("offer", "Oferta", "Offerta", "offer")]],
]


def flow() -> dict:
    state = None
    for event in EVENTS:
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
    expected = {"key": "offer", "offers": [{"offer_id": "a", **offers["a"]},
                                           {"offer_id": "b", **offers["b"]}]}
    assert shown["current"]["panel"] == expected


def test_an_internal_substate_shows_no_current_step():
    shown = view.build(flow(), opportunity("review", ["docs", "review"]), ["es"])
    assert shown["current"] is None
    assert [s["status"] for s in shown["states"][0]["substates"]] == ["done", "upcoming"]
