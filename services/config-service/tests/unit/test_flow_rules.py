"""Given flow events, when a configuration command is decided, then these events or this error."""

import pytest

from portalflow_config.domain import flow
from portalflow_config.domain.errors import InvalidError, NotFoundError
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    FieldBinding,
    OpportunityTypeCreated,
    StateDefinition,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction, PanelKey

CREATED = OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
    StateDefinition(state_id="sale", name="Sale", substates=(
        SubstateDefinition(substate_id="offer", name="Offer sent"),
        SubstateDefinition(substate_id="won", name="Won"))),))


def given(*events) -> flow.OpportunityType:
    state = None
    for event in events:
        state = flow.evolve(state, event)
    return state


def config(**changes) -> SubstatePortalConfigSaved:
    return SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id="offer",
                                     public_name={"es": "Oferta"}, panel=PanelKey.OFFER,
                                     **changes)


def test_a_valid_portal_config_is_saved_whole():
    command = config(fields=(FieldBinding(field="dni", required=True),),
                     conditions=("privacy",))
    then = flow.save_substate_portal_config(given(CREATED), command, {"dni"}, {"privacy"})
    assert then == [command]
    assert flow.evolve(given(CREATED), command).panel("offer") is PanelKey.OFFER


def test_a_field_both_required_and_read_only_is_refused_naming_the_binding():
    command = config(fields=(FieldBinding(field="dni", required=True, read_only=True),))
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(given(CREATED), command, {"dni"}, set())
    assert error.value.field == "fields[0]"


def test_bindings_and_conditions_must_reference_existing_items():
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(
            given(CREATED), config(fields=(FieldBinding(field="ghost"),)), set(), set())
    assert error.value.field == "fields[0].field"
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(
            given(CREATED), config(conditions=("ghost",)), set(), set())
    assert error.value.field == "conditions[0]"


def test_config_of_a_substate_outside_the_flow_is_not_found():
    command = SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id="elsewhere")
    with pytest.raises(NotFoundError):
        flow.save_substate_portal_config(given(CREATED), command, set(), set())


def test_an_external_action_must_target_a_substate_of_the_same_flow():
    mapped = ExternalActionMapped(opportunity_type_id="solar", action=ExternalAction.ACCEPT_BUDGET,
                                  target_substate_id="won")
    assert flow.map_external_action(given(CREATED), mapped) == [mapped]
    with pytest.raises(InvalidError) as error:
        flow.map_external_action(given(CREATED), mapped.model_copy(
            update={"target_substate_id": "other-flow-substate"}))
    assert error.value.field == "target_substate_id"
