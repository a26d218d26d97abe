"""Given a flow, when its states or substates are added, renamed, reordered or removed, then."""

import pytest

from portalflow_config.domain import flow, structure
from portalflow_config.domain.commands import (
    AddState,
    AddSubstate,
    ChangeStateAppearance,
    RemoveState,
    RemoveSubstate,
    RenameState,
    RenameSubstate,
    ReorderStates,
    ReorderSubstates,
)
from portalflow_config.domain.errors import InvalidError, NotFoundError, SubstateInUseError
from portalflow_config.domain.structure import Facts
from portalflow_contracts.events import flow as events
from portalflow_contracts.values import ExternalAction

ID = {"opportunity_type_id": "solar"}
CREATED = events.OpportunityTypeCreated(**ID, name="Solar", states=(
    events.StateDefinition(state_id="lead", name="Lead", icon="user", substates=(
        events.SubstateDefinition(substate_id="docs", name="Documents"),
        events.SubstateDefinition(substate_id="review", name="Review"))),
    events.StateDefinition(state_id="sale", name="Sale", substates=(
        events.SubstateDefinition(substate_id="offer", name="Offer"),))))


def given(*extra) -> flow.OpportunityType:
    state = None
    for event in (CREATED, *extra):
        state = flow.evolve(state, event)
    return state


def when(command, *history, facts: Facts = structure.NO_FACTS) -> list:
    current = given(*history)
    then = structure.decide(current, command, facts)
    given(*history, *then)  # every decided event folds
    return then


def refused(error_type, command, *history, facts: Facts = structure.NO_FACTS):
    with pytest.raises(error_type) as error:
        structure.decide(given(*history), command, facts)
    return error.value


def layout(current: flow.OpportunityType) -> list:
    return [(s.state_id, [sub.substate_id for sub in s.substates]) for s in current.states]


def test_a_state_is_added_at_the_end_unless_a_position_is_given():
    [added] = when(AddState(state_id="won", name="Won", icon="sun", colour="#f5a623"))
    assert added == events.StateAdded(**ID, state_id="won", name="Won", position=2,
                                      icon="sun", colour="#f5a623")
    [first] = when(AddState(state_id="new", name="New", position=0))
    assert layout(given(first))[0] == ("new", [])
    assert given(added).states[2].colour == "#f5a623"


def test_a_state_position_out_of_range_is_refused_saying_what_is_accepted():
    error = refused(InvalidError, AddState(state_id="x", name="X", position=3))
    assert error.field == "position" and "0 to 2" in error.message


def test_state_names_are_unique_within_the_flow_ignoring_case():
    assert refused(InvalidError, AddState(state_id="x", name="sale")).field == "name"
    assert refused(InvalidError, RenameState(state_id="lead", name="SALE")).field == "name"
    assert when(RenameState(state_id="lead", name="Lead")) == [
        events.StateRenamed(**ID, state_id="lead", name="Lead")]


def test_a_state_is_renamed_and_restyled():
    renamed = when(RenameState(state_id="sale", name="Offer"))
    assert given(*renamed).state("sale").name == "Offer"
    restyled = when(ChangeStateAppearance(state_id="lead", icon="file-text", colour=None))
    assert restyled == [events.StateAppearanceChanged(**ID, state_id="lead", icon="file-text")]
    assert (given(*restyled).state("lead").icon, given(*restyled).state("lead").colour) == (
        "file-text", None)


def test_changing_a_state_outside_the_flow_is_not_found():
    for command in (RenameState(state_id="ghost", name="G"),
                    ChangeStateAppearance(state_id="ghost", icon=None, colour=None),
                    RemoveState(state_id="ghost"),
                    AddSubstate(state_id="ghost", substate_id="g", name="G"),
                    RenameSubstate(substate_id="ghost", name="G"),
                    RemoveSubstate(substate_id="ghost")):
        refused(NotFoundError, command)


def test_states_are_reordered_when_every_state_is_listed_once():
    then = when(ReorderStates(state_ids=("sale", "lead")))
    assert then == [events.StatesReordered(**ID, state_ids=("sale", "lead"))]
    assert layout(given(*then)) == [("sale", ["offer"]), ("lead", ["docs", "review"])]


@pytest.mark.parametrize(("order", "said"), [
    (("sale",), "missing: lead"),
    (("sale", "lead", "ghost"), "not a state of the flow: ghost"),
    (("sale", "lead", "sale"), "listed twice: sale"),
])
def test_a_reorder_that_is_not_exactly_the_current_states_is_refused(order, said):
    error = refused(InvalidError, ReorderStates(state_ids=order))
    assert error.field == "state_ids" and said in error.message


def test_a_substate_is_added_to_a_state_at_the_end_or_at_a_position():
    [added] = when(AddSubstate(state_id="lead", substate_id="visit", name="Visit"))
    assert added.position == 2 and layout(given(added))[0] == ("lead", ["docs", "review", "visit"])
    [first] = when(AddSubstate(state_id="lead", substate_id="call", name="Call", position=0))
    assert layout(given(first))[0] == ("lead", ["call", "docs", "review"])
    error = refused(InvalidError, AddSubstate(state_id="sale", substate_id="x", name="X",
                                              position=5))
    assert error.field == "position" and "0 to 1" in error.message


def test_substate_names_are_unique_within_their_state_only():
    assert refused(InvalidError, AddSubstate(state_id="lead", substate_id="x",
                                             name="review")).field == "name"
    assert refused(InvalidError, RenameSubstate(substate_id="docs", name="REVIEW")).field == "name"
    assert when(AddSubstate(state_id="sale", substate_id="x", name="Review"))
    [renamed] = when(RenameSubstate(substate_id="docs", name="Papers"))
    assert given(renamed).state("lead").substates[0].name == "Papers"


def test_substates_are_reordered_within_their_state():
    then = when(ReorderSubstates(state_id="lead", substate_ids=("review", "docs")))
    assert layout(given(*then))[0] == ("lead", ["review", "docs"])
    error = refused(InvalidError, ReorderSubstates(state_id="lead", substate_ids=("offer",)))
    assert error.field == "substate_ids"
    assert "missing: docs, review" in error.message and "not a substate" in error.message


def test_removing_a_substate_drops_its_portal_config():
    config = events.SubstatePortalConfigSaved(**ID, substate_id="review", panel="drawing")
    then = when(RemoveSubstate(substate_id="review"), config)
    assert then == [events.SubstateRemoved(**ID, state_id="lead", substate_id="review")]
    after = given(config, *then)
    assert layout(after)[0] == ("lead", ["docs"]) and "review" not in after.substate_portal


def test_removing_a_state_drops_its_substates_and_their_portal_config():
    info = events.StatePortalInfoSaved(**ID, state_id="lead", public_name={"es": "Inicio"})
    config = events.SubstatePortalConfigSaved(**ID, substate_id="docs", panel="drawing")
    then = when(RemoveState(state_id="lead"), info, config)
    after = given(info, config, *then)
    assert layout(after) == [("sale", ["offer"])]
    assert not after.state_portal and not after.substate_portal


def test_a_substate_something_points_at_is_kept_and_the_references_listed():
    mapped = events.ExternalActionMapped(**ID, action=ExternalAction.ACCEPT_BUDGET,
                                         target_substate_id="review")
    error = refused(SubstateInUseError, RemoveSubstate(substate_id="review"), mapped,
                    facts=Facts(occupants=("opp-2", "opp-1")))
    assert error.references == {"external_actions": ["accept-budget"],
                                "opportunities": ["opp-1", "opp-2"]}
    error = refused(SubstateInUseError, RemoveState(state_id="lead"), mapped)
    assert error.references == {"external_actions": ["accept-budget"], "opportunities": []}


def test_the_substates_a_removal_would_drop_are_the_ones_checked_for_opportunities():
    current = given()
    assert structure.removed_substates(current, RemoveState(state_id="lead")) == [
        "docs", "review"]
    assert structure.removed_substates(current, RemoveSubstate(substate_id="offer")) == ["offer"]
    assert structure.removed_substates(current, RenameState(state_id="lead", name="L")) == []


def test_a_flow_keeps_at_least_one_state_with_one_substate():
    emptied = given(*when(RemoveState(state_id="lead")))
    with pytest.raises(InvalidError) as error:
        structure.decide(emptied, RemoveSubstate(substate_id="offer"))
    assert error.value.field == "substate_id" and "at least one" in error.value.message
    with pytest.raises(InvalidError) as error:
        structure.decide(emptied, RemoveState(state_id="sale"))
    assert error.value.field == "state_id"
    [empty] = when(AddState(state_id="empty", name="Empty"))
    assert when(RemoveState(state_id="empty"), empty)  # an empty state may always go
