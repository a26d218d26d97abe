"""Admin API: opportunity types, their states' and substates' portal config, external actions."""

from uuid import uuid4

from fastapi import APIRouter, Response, status

from portalflow_config.application import flows
from portalflow_config.domain.flow import OpportunityType
from portalflow_config.entrypoints.deps import FlowEditor, FlowReader, IfMatch, Pool
from portalflow_config.entrypoints.flow_schemas import (
    ExternalActionTarget,
    OpportunityTypeCreate,
    OpportunityTypePublic,
    StatePortalInfo,
    StatePublic,
    SubstatePortalConfig,
    SubstatePublic,
)
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction

router = APIRouter(prefix="/v1/opportunity-types", tags=["opportunity types"])


def _public(flow: OpportunityType, version: int) -> OpportunityTypePublic:
    def portal(config, model):
        return model.model_validate(config.model_dump(include=set(model.model_fields))) \
            if config else None

    return OpportunityTypePublic(
        opportunity_type_id=flow.opportunity_type_id, name=flow.name, version=version,
        external_actions=flow.external_actions,
        states=[StatePublic(
            state_id=s.state_id, name=s.name,
            portal=portal(flow.state_portal.get(s.state_id), StatePortalInfo),
            substates=[SubstatePublic(
                substate_id=sub.substate_id, name=sub.name,
                portal=portal(flow.substate_portal.get(sub.substate_id), SubstatePortalConfig))
                for sub in s.substates])
            for s in flow.states])


async def _respond(pool, caller, opportunity_type_id: str,
                   response: Response) -> OpportunityTypePublic:
    async with pool.acquire() as conn:
        flow, version = await flows.load_flow(conn, caller.org_id, opportunity_type_id)
    response.headers["ETag"] = f'"{version}"'
    return _public(flow, version)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_opportunity_type")
async def create_opportunity_type(body: OpportunityTypeCreate, caller: FlowEditor, pool: Pool,
                                  response: Response) -> OpportunityTypePublic:
    """Create an opportunity type (flow) with its states and substates, in order."""
    command = OpportunityTypeCreated(
        opportunity_type_id=str(uuid4()), name=body.name,
        states=tuple(StateDefinition(state_id=str(uuid4()), name=s.name, substates=tuple(
            SubstateDefinition(substate_id=str(uuid4()), name=sub.name) for sub in s.substates))
            for s in body.states))
    await flows.create(pool, caller, command)
    return await _respond(pool, caller, command.opportunity_type_id, response)


@router.get("/{opportunity_type_id}", operation_id="get_opportunity_type")
async def get_opportunity_type(opportunity_type_id: str, caller: FlowReader, pool: Pool,
                               response: Response) -> OpportunityTypePublic:
    """An opportunity type with its portal config; the ETag is its version."""
    return await _respond(pool, caller, opportunity_type_id, response)


@router.put("/{opportunity_type_id}/states/{state_id}/portal",
            operation_id="save_state_portal_info")
async def save_state_portal_info(opportunity_type_id: str, state_id: str, body: StatePortalInfo,
                                 caller: FlowEditor, pool: Pool, if_match: IfMatch,
                                 response: Response) -> OpportunityTypePublic:
    """Save the public name and description the customer reads for a state."""
    await flows.save_state_portal_info(pool, caller, StatePortalInfoSaved(
        opportunity_type_id=opportunity_type_id, state_id=state_id,
        **body.model_dump()), if_match)
    return await _respond(pool, caller, opportunity_type_id, response)


@router.put("/{opportunity_type_id}/substates/{substate_id}/portal",
            operation_id="save_substate_portal_config")
async def save_substate_portal_config(opportunity_type_id: str, substate_id: str,
                                      body: SubstatePortalConfig, caller: FlowEditor, pool: Pool,
                                      if_match: IfMatch,
                                      response: Response) -> OpportunityTypePublic:
    """Save a substate's whole portal config: names, panel, field bindings, conditions."""
    await flows.save_substate_portal_config(pool, caller, SubstatePortalConfigSaved(
        opportunity_type_id=opportunity_type_id, substate_id=substate_id,
        **body.model_dump()), if_match)
    return await _respond(pool, caller, opportunity_type_id, response)


@router.put("/{opportunity_type_id}/external-actions/{action}",
            operation_id="map_external_action")
async def map_external_action(opportunity_type_id: str, action: ExternalAction,
                              body: ExternalActionTarget, caller: FlowEditor, pool: Pool,
                              if_match: IfMatch, response: Response) -> OpportunityTypePublic:
    """Make a customer action move opportunities of this type to a target substate."""
    await flows.map_external_action(pool, caller, ExternalActionMapped(
        opportunity_type_id=opportunity_type_id, action=action,
        target_substate_id=body.target_substate_id), if_match)
    return await _respond(pool, caller, opportunity_type_id, response)
