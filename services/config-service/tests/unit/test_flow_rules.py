"""Given flow events, when a configuration command is decided, then these events or this error."""

import pytest

from portalflow_config.domain import flow, structure
from portalflow_config.domain.catalog import Condition, DynamicField, OrgCatalog, PortalSettings
from portalflow_config.domain.commands import ArchiveOpportunityType, RenameOpportunityType
from portalflow_config.domain.errors import (
    ConflictError,
    InvalidError,
    MappingInUseError,
    NotFoundError,
)
from portalflow_config.domain.structure import Facts
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    ExternalActionUnmapped,
    FieldBinding,
    OpportunityTypeArchived,
    OpportunityTypeCreated,
    OpportunityTypeRenamed,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction, FieldType, PanelKey

CREATED = OpportunityTypeCreated(opportunity_type_id="solar", name="Solar", states=(
    StateDefinition(state_id="sale", name="Sale", substates=(
        SubstateDefinition(substate_id="offer", name="Offer sent"),
        SubstateDefinition(substate_id="won", name="Won"))),))
ARCHIVED = OpportunityTypeArchived(opportunity_type_id="solar")


def given(*events) -> flow.OpportunityType:
    state = None
    for event in events:
        state = flow.evolve(state, event)
    return state


def catalog(fields=(), conditions=(), retired=()) -> OrgCatalog:
    """An org catalog holding these field and condition ids; `retired` ones are retired."""
    return OrgCatalog(
        fields={f: DynamicField(f, f, {"es": f}, FieldType.TEXT, retired=f in retired)
                for f in fields},
        conditions={c: Condition(c, {"es": c}, {"es": c}, retired=c in retired)
                    for c in conditions})


def config(**changes) -> SubstatePortalConfigSaved:
    return SubstatePortalConfigSaved(**{
        "opportunity_type_id": "solar", "substate_id": "offer", "public_name": {"es": "Oferta"},
        "panel": PanelKey.INITIAL_DOCUMENTATION, **changes})


def test_a_valid_portal_config_is_saved_whole():
    command = config(fields=(FieldBinding(field="dni", required=True),),
                     conditions=("privacy",))
    then = flow.save_substate_portal_config(
        given(CREATED), command, catalog(["dni"], ["privacy"]))
    assert then == [command]
    assert flow.evolve(given(CREATED), command).panel("offer") is PanelKey.INITIAL_DOCUMENTATION


def test_a_field_both_required_and_read_only_is_refused_naming_the_binding():
    command = config(fields=(FieldBinding(field="dni", required=True, read_only=True),))
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(given(CREATED), command, catalog(["dni"]))
    assert error.value.field == "fields[0]"


@pytest.mark.parametrize("org", [catalog(), catalog(["old"], ["old"], retired=["old"])])
@pytest.mark.parametrize("reference", ["ghost", "old"])
def test_bindings_and_conditions_must_reference_active_items_of_the_org(org, reference):
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(
            given(CREATED), config(fields=(FieldBinding(field=reference),)), org)
    assert error.value.field == "fields[0].field"
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(given(CREATED), config(conditions=(reference,)), org)
    assert error.value.field == "conditions[0]"


def test_public_texts_must_use_the_org_locales():
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(
            given(CREATED), config(public_name={"es": "Oferta", "fr": "Offre"}), catalog())
    assert error.value.field == "public_name.fr"


def test_the_same_field_may_be_bound_with_different_flags_in_different_substates():
    org = catalog(["dni"])
    required = config(fields=(FieldBinding(field="dni", required=True),))
    read_only = config(substate_id="won", fields=(FieldBinding(field="dni", read_only=True),))
    first = flow.save_substate_portal_config(given(CREATED), required, org)
    assert flow.save_substate_portal_config(given(CREATED, *first), read_only, org) == [read_only]


def test_config_of_a_substate_outside_the_flow_is_not_found():
    command = SubstatePortalConfigSaved(opportunity_type_id="solar", substate_id="elsewhere")
    with pytest.raises(NotFoundError):
        flow.save_substate_portal_config(given(CREATED), command, catalog())


def test_an_external_action_must_target_a_substate_of_the_same_flow():
    mapped = ExternalActionMapped(opportunity_type_id="solar", action=ExternalAction.ACCEPT_BUDGET,
                                  target_substate_id="won")
    assert flow.map_external_action(given(CREATED), mapped) == [mapped]
    with pytest.raises(InvalidError) as error:
        flow.map_external_action(given(CREATED), mapped.model_copy(
            update={"target_substate_id": "other-flow-substate"}))
    assert error.value.field == "target_substate_id"


def test_names_repeated_within_one_parent_are_refused_at_creation_naming_the_field():
    twice = CREATED.model_copy(update={"states": (*CREATED.states, StateDefinition(
        state_id="again", name="SALE", substates=()))})
    with pytest.raises(InvalidError) as error:
        structure.create(twice)
    assert error.value.field == "states[1].name" and "'SALE'" in error.value.message

    state = StateDefinition(state_id="s", name="S", substates=(
        SubstateDefinition(substate_id="a", name="Same"),
        SubstateDefinition(substate_id="b", name="same")))
    with pytest.raises(InvalidError) as error:
        structure.create(CREATED.model_copy(update={"states": (state,)}))
    assert error.value.field == "states[0].substates[1].name"


def test_the_same_substate_name_may_appear_in_two_states():
    states = tuple(StateDefinition(state_id=s, name=s, substates=(
        SubstateDefinition(substate_id=f"{s}-pending", name="Pending"),)) for s in ("a", "b"))
    command = CREATED.model_copy(update={"states": states})
    assert structure.create(command) == [command]


def test_an_opportunity_type_name_must_differ_from_the_orgs_other_active_types():
    with pytest.raises(InvalidError) as error:
        structure.create(CREATED, Facts(type_names=frozenset({"solar"})))
    assert error.value.field == "name"
    assert structure.create(CREATED, Facts(type_names=frozenset({"Wind"}))) == [CREATED]


def test_renaming_an_opportunity_type_checks_the_other_types_names():
    then = structure.decide(given(CREATED), RenameOpportunityType(name="Solar 2026"))
    assert then == [OpportunityTypeRenamed(opportunity_type_id="solar", name="Solar 2026")]
    assert given(CREATED, *then).name == "Solar 2026"
    with pytest.raises(InvalidError) as error:
        structure.decide(given(CREATED), RenameOpportunityType(name="Wind"),
                         Facts(type_names=frozenset({"WIND"})))
    assert error.value.field == "name"


def test_an_archived_type_shows_as_archived_and_refuses_every_change():
    assert structure.decide(given(CREATED), ArchiveOpportunityType()) == [ARCHIVED]
    archived = given(CREATED, ARCHIVED)
    assert archived.archived
    refusals = [
        lambda: structure.decide(archived, ArchiveOpportunityType()),
        lambda: structure.decide(archived, RenameOpportunityType(name="Other")),
        lambda: flow.save_state_portal_info(archived, StatePortalInfoSaved(
            opportunity_type_id="solar", state_id="sale"), PortalSettings()),
        lambda: flow.save_substate_portal_config(archived, config(), catalog()),
        lambda: flow.map_external_action(archived, ExternalActionMapped(
            opportunity_type_id="solar", action=ExternalAction.ACCEPT_BUDGET,
            target_substate_id="won")),
    ]
    for refused in refusals:
        with pytest.raises(ConflictError, match="archived"):
            refused()
    with pytest.raises(ConflictError, match="no new opportunities"):
        archived.require_active()


@pytest.mark.parametrize(("fields", "conditions", "where"), [
    ((FieldBinding(field="dni", read_only=True), FieldBinding(field="dni", required=True)), (),
     "fields[1].field"),
    ((), ("privacy", "privacy"), "conditions[1]"),
])
def test_a_field_or_condition_listed_twice_is_refused_naming_the_second(fields, conditions,
                                                                         where):
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(given(CREATED), config(
            fields=fields, conditions=conditions), catalog(["dni"], ["privacy"]))
    assert error.value.field == where and "once per substate" in error.value.message


@pytest.mark.parametrize(("panel", "binding", "where"), [
    (PanelKey.OFFER, FieldBinding(field="dni", required=True), "fields[0].required"),
    (PanelKey.CONTRACT_SIGNING, FieldBinding(field="dni"), "fields[0].read_only"),
    (None, FieldBinding(field="dni", read_only=True), "fields[0]"),
])
def test_fields_are_required_only_where_the_customer_fills_them_in(panel, binding, where):
    with pytest.raises(InvalidError) as error:
        flow.save_substate_portal_config(given(CREATED), config(
            panel=panel, fields=(binding,)), catalog(["dni"]))
    assert error.value.field == where


def test_a_value_may_be_shown_read_only_on_any_panel():
    command = config(panel=PanelKey.OFFER, fields=(FieldBinding(field="dni", read_only=True),))
    assert flow.save_substate_portal_config(given(CREATED), command, catalog(["dni"])) == [
        command]


def mapped(action: ExternalAction, to: str = "won") -> ExternalActionMapped:
    return ExternalActionMapped(opportunity_type_id="solar", action=action, target_substate_id=to)


def test_a_mapping_is_cleared():
    then = flow.unmap_external_action(given(CREATED, mapped(ExternalAction.ACCEPT_BUDGET)),
                                      ExternalAction.ACCEPT_BUDGET)
    assert then == [ExternalActionUnmapped(opportunity_type_id="solar",
                                           action=ExternalAction.ACCEPT_BUDGET)]
    assert flow.evolve(given(CREATED), then[0]).external_actions == {}


def test_a_mapping_a_panel_needs_to_move_on_is_kept_naming_the_substates():
    docs = mapped(ExternalAction.INITIAL_DOCUMENTATION_COMPLETED)
    with pytest.raises(MappingInUseError) as error:
        flow.unmap_external_action(given(CREATED, docs, config()),
                                   ExternalAction.INITIAL_DOCUMENTATION_COMPLETED)
    assert error.value.references == {"substates": ["offer"]}


def test_clearing_what_is_not_mapped_is_not_found():
    with pytest.raises(NotFoundError):
        flow.unmap_external_action(given(CREATED), ExternalAction.CONTRACT_SIGNED)
