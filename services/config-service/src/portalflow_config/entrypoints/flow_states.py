"""Admin API: add, rename, restyle, reorder and remove the states and substates of a flow."""

from uuid import uuid4

from fastapi import APIRouter, Response, status

from portalflow_config.domain import commands
from portalflow_config.entrypoints.deps import FlowEditor, IfMatch, Pool
from portalflow_config.entrypoints.flow_public import change
from portalflow_config.entrypoints.flow_schemas import (
    Appearance,
    OpportunityTypePublic,
    Rename,
    StateAdd,
    StateOrder,
    SubstateAdd,
    SubstateOrder,
)
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(route_class=CheckedRoute, responses=REFUSALS)
TYPE = "/{opportunity_type_id}"


@router.post(f"{TYPE}/states", status_code=status.HTTP_201_CREATED, operation_id="add_state")
async def add_state(opportunity_type_id: str, body: StateAdd, caller: FlowEditor, pool: Pool,
                    if_match: IfMatch, response: Response) -> OpportunityTypePublic:
    """Add a state without substates, at `position` or at the end."""
    command = commands.AddState(state_id=str(uuid4()), **body.model_dump())
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put(f"{TYPE}/states/{{state_id}}/name", operation_id="rename_state")
async def rename_state(opportunity_type_id: str, state_id: str, body: Rename,
                       caller: FlowEditor, pool: Pool, if_match: IfMatch,
                       response: Response) -> OpportunityTypePublic:
    """Rename a state; names are unique within the flow."""
    command = commands.RenameState(state_id=state_id, name=body.name)
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put(f"{TYPE}/states/{{state_id}}/appearance", operation_id="change_state_appearance")
async def change_state_appearance(opportunity_type_id: str, state_id: str, body: Appearance,
                                  caller: FlowEditor, pool: Pool, if_match: IfMatch,
                                  response: Response) -> OpportunityTypePublic:
    """Replace a state's icon and colour; a missing one is cleared."""
    command = commands.ChangeStateAppearance(state_id=state_id, **body.model_dump())
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put(f"{TYPE}/state-order", operation_id="reorder_states")
async def reorder_states(opportunity_type_id: str, body: StateOrder, caller: FlowEditor,
                         pool: Pool, if_match: IfMatch,
                         response: Response) -> OpportunityTypePublic:
    """Put the states in a new order; the body lists every one of them exactly once."""
    command = commands.ReorderStates(state_ids=tuple(body.state_ids))
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.delete(f"{TYPE}/states/{{state_id}}", operation_id="remove_state")
async def remove_state(opportunity_type_id: str, state_id: str, caller: FlowEditor, pool: Pool,
                       if_match: IfMatch, response: Response) -> OpportunityTypePublic:
    """Remove a state and its substates, unless an external action or opportunity uses one."""
    command = commands.RemoveState(state_id=state_id)
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.post(f"{TYPE}/states/{{state_id}}/substates", status_code=status.HTTP_201_CREATED,
             operation_id="add_substate")
async def add_substate(opportunity_type_id: str, state_id: str, body: SubstateAdd,
                       caller: FlowEditor, pool: Pool, if_match: IfMatch,
                       response: Response) -> OpportunityTypePublic:
    """Add a substate to a state, at `position` or at the end."""
    command = commands.AddSubstate(state_id=state_id, substate_id=str(uuid4()),
                                   **body.model_dump())
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put(f"{TYPE}/substates/{{substate_id}}/name", operation_id="rename_substate")
async def rename_substate(opportunity_type_id: str, substate_id: str, body: Rename,
                          caller: FlowEditor, pool: Pool, if_match: IfMatch,
                          response: Response) -> OpportunityTypePublic:
    """Rename a substate; names are unique within its state."""
    command = commands.RenameSubstate(substate_id=substate_id, name=body.name)
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put(f"{TYPE}/states/{{state_id}}/substate-order", operation_id="reorder_substates")
async def reorder_substates(opportunity_type_id: str, state_id: str, body: SubstateOrder,
                            caller: FlowEditor, pool: Pool, if_match: IfMatch,
                            response: Response) -> OpportunityTypePublic:
    """Put a state's substates in a new order; the body lists every one exactly once."""
    command = commands.ReorderSubstates(state_id=state_id, substate_ids=tuple(body.substate_ids))
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.delete(f"{TYPE}/substates/{{substate_id}}", operation_id="remove_substate")
async def remove_substate(opportunity_type_id: str, substate_id: str, caller: FlowEditor,
                          pool: Pool, if_match: IfMatch,
                          response: Response) -> OpportunityTypePublic:
    """Remove a substate and its portal config, unless something still points at it."""
    command = commands.RemoveSubstate(substate_id=substate_id)
    return await change(pool, caller, opportunity_type_id, command, if_match, response)
