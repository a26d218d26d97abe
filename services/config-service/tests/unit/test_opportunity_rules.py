"""Given an opportunity and its flow, when it is moved or the customer acts, then these events."""

import pytest

from portalflow_config.domain import flow, opportunity
from portalflow_config.domain.errors import ConflictError, CustomerActionRejectedError
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    OpportunityTypeCreated,
    StateDefinition,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.events.opportunity import (
    OfferAccepted,
    OfferIssued,
    OfferRejected,
    OpportunityOpened,
    SubstateChanged,
)
from portalflow_contracts.values import Cause, ExternalAction, PanelKey

FLOW_EVENTS = (
    OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
        StateDefinition(state_id="sale", name="Sale", substates=(
            SubstateDefinition(substate_id="docs", name="Documents"),
            SubstateDefinition(substate_id="offer", name="Offer sent"),
            SubstateDefinition(substate_id="won", name="Won"))),)),
    SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id="offer",
                              public_name={"es": "Oferta"}, panel=PanelKey.OFFER),
)
MAPPED = ExternalActionMapped(opportunity_type_id="solar", action=ExternalAction.ACCEPT_BUDGET,
                              target_substate_id="won")


def given_flow(*extra) -> flow.OpportunityType:
    state = None
    for event in (*FLOW_EVENTS, *extra):
        state = flow.evolve(state, event)
    return state


def given_opportunity(substate_id: str = "offer", offers=("a", "b")) -> opportunity.Opportunity:
    state = opportunity.evolve(None, OpportunityOpened(
        opportunity_id="opp", opportunity_type_id="solar", substate_id=substate_id, title="Roof"))
    for offer_id in offers:
        state = opportunity.evolve(state, OfferIssued(
            opportunity_id="opp", offer_id=offer_id, title=offer_id, amount="100", currency="EUR"))
    return state


ACCEPT_A = CustomerAcceptedOffer(opportunity_id="opp", offer_id="a")


def test_accepting_an_offer_rejects_the_others_and_applies_accept_budget():
    then = opportunity.accept_offer(given_opportunity(), given_flow(MAPPED), ACCEPT_A, "ce-1")
    assert then == [
        OfferAccepted(opportunity_id="opp", offer_id="a", customer_event_id="ce-1"),
        OfferRejected(opportunity_id="opp", offer_id="b", reason="another offer was accepted"),
        SubstateChanged(opportunity_id="opp", from_substate_id="offer", to_substate_id="won",
                        cause=Cause(kind="external-action", action=ExternalAction.ACCEPT_BUDGET,
                                    customer_event_id="ce-1")),
    ]


def test_without_an_accept_budget_mapping_the_offer_is_accepted_and_nothing_moves():
    then = opportunity.accept_offer(given_opportunity(), given_flow(), ACCEPT_A, "ce-1")
    assert not any(isinstance(event, SubstateChanged) for event in then)
    assert isinstance(then[0], OfferAccepted)


@pytest.mark.parametrize(("current", "offer_id", "reason"), [
    ("docs", "a", "does not show the offer panel"),
    ("offer", "ghost", "does not exist"),
])
def test_an_acceptance_that_does_not_fit_is_rejected(current, offer_id, reason):
    with pytest.raises(CustomerActionRejectedError, match=reason):
        opportunity.accept_offer(given_opportunity(current), given_flow(MAPPED),
                                 CustomerAcceptedOffer(opportunity_id="opp", offer_id=offer_id),
                                 "ce-1")


def test_an_offer_is_accepted_once():
    accepted = given_opportunity()
    for event in opportunity.accept_offer(accepted, given_flow(), ACCEPT_A, "ce-1"):
        accepted = opportunity.evolve(accepted, event)
    with pytest.raises(CustomerActionRejectedError, match="already accepted"):
        opportunity.accept_offer(accepted, given_flow(), ACCEPT_A, "ce-2")


def test_an_operator_move_records_the_cause_and_refuses_staying_put():
    cause = Cause(kind="operator", reason="customer called")
    [moved] = opportunity.move(given_opportunity("docs"), given_flow(), "offer", cause)
    assert (moved.from_substate_id, moved.to_substate_id, moved.cause) == ("docs", "offer", cause)
    with pytest.raises(ConflictError):
        opportunity.move(given_opportunity("docs"), given_flow(), "docs", cause)
