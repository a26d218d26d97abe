"""Admin API: opportunity types, their states' and substates' portal config, external actions."""

import hashlib
from uuid import uuid4

from fastapi import APIRouter, Response, status

from portalflow_config.application import flows
from portalflow_config.domain import commands
from portalflow_config.entrypoints import flow_states
from portalflow_config.entrypoints.deps import FlowEditor, FlowReader, IfMatch, Pool
from portalflow_config.entrypoints.flow_public import change, respond
from portalflow_config.entrypoints.flow_schemas import (
    ExternalActionTarget,
    OpportunityTypeCreate,
    OpportunityTypePublic,
    OpportunityTypeSummary,
    Rename,
    StatePortalInfo,
    SubstatePortalConfig,
)
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    OpportunityTypeCreated,
    StateDefinition,
    StatePortalInfoSaved,
    SubstateDefinition,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(prefix="/v1/opportunity-types", tags=["opportunity types"],
                   route_class=CheckedRoute, responses=REFUSALS)


@router.get("", operation_id="list_opportunity_types")
async def list_opportunity_types(caller: FlowReader, pool: Pool, response: Response,
                                 include_archived: bool = False,
                                 ) -> list[OpportunityTypeSummary]:
    """The org's opportunity types, oldest first; archived ones only when asked for."""
    found = await flows.list_flows(pool, caller.org_id, include_archived)
    versions = ",".join(f"{t.opportunity_type_id}:{v}" for t, v in found)
    response.headers["ETag"] = f'W/"{hashlib.sha256(versions.encode()).hexdigest()[:16]}"'
    return [OpportunityTypeSummary(opportunity_type_id=t.opportunity_type_id, name=t.name,
                                   archived=t.archived, version=v) for t, v in found]


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_opportunity_type")
async def create_opportunity_type(body: OpportunityTypeCreate, caller: FlowEditor, pool: Pool,
                                  response: Response) -> OpportunityTypePublic:
    """Create an opportunity type (flow) with its states and substates, in order."""
    command = OpportunityTypeCreated(
        opportunity_type_id=str(uuid4()), name=body.name,
        states=tuple(StateDefinition(
            state_id=str(uuid4()), name=s.name, icon=s.icon, colour=s.colour,
            substates=tuple(SubstateDefinition(substate_id=str(uuid4()), name=sub.name)
                            for sub in s.substates))
            for s in body.states))
    await flows.create(pool, caller, command)
    return await respond(pool, caller, command.opportunity_type_id, response)


@router.get("/{opportunity_type_id}", operation_id="get_opportunity_type")
async def get_opportunity_type(opportunity_type_id: str, caller: FlowReader, pool: Pool,
                               response: Response) -> OpportunityTypePublic:
    """An opportunity type with its portal config; the ETag is its version."""
    return await respond(pool, caller, opportunity_type_id, response)


@router.put("/{opportunity_type_id}/name", operation_id="rename_opportunity_type")
async def rename_opportunity_type(opportunity_type_id: str, body: Rename, caller: FlowEditor,
                                  pool: Pool, if_match: IfMatch,
                                  response: Response) -> OpportunityTypePublic:
    """Rename an opportunity type; names are unique among the org's active types."""
    command = commands.RenameOpportunityType(name=body.name)
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.post("/{opportunity_type_id}/archive", operation_id="archive_opportunity_type")
async def archive_opportunity_type(opportunity_type_id: str, caller: FlowEditor, pool: Pool,
                                   if_match: IfMatch,
                                   response: Response) -> OpportunityTypePublic:
    """Archive an opportunity type: no more changes, no new opportunities."""
    command = commands.ArchiveOpportunityType()
    return await change(pool, caller, opportunity_type_id, command, if_match, response)


@router.put("/{opportunity_type_id}/states/{state_id}/portal",
            operation_id="save_state_portal_info")
async def save_state_portal_info(opportunity_type_id: str, state_id: str, body: StatePortalInfo,
                                 caller: FlowEditor, pool: Pool, if_match: IfMatch,
                                 response: Response) -> OpportunityTypePublic:
    """Save the public name and description the customer reads for a state."""
    await flows.save_state_portal_info(pool, caller, StatePortalInfoSaved(
        opportunity_type_id=opportunity_type_id, state_id=state_id,
        **body.model_dump()), if_match)
    return await respond(pool, caller, opportunity_type_id, response)


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
    return await respond(pool, caller, opportunity_type_id, response)


@router.put("/{opportunity_type_id}/external-actions/{action}",
            operation_id="map_external_action")
async def map_external_action(opportunity_type_id: str, action: ExternalAction,
                              body: ExternalActionTarget, caller: FlowEditor, pool: Pool,
                              if_match: IfMatch, response: Response) -> OpportunityTypePublic:
    """Make a customer action move opportunities of this type to a target substate."""
    await flows.map_external_action(pool, caller, ExternalActionMapped(
        opportunity_type_id=opportunity_type_id, action=action,
        target_substate_id=body.target_substate_id), if_match)
    return await respond(pool, caller, opportunity_type_id, response)


@router.delete("/{opportunity_type_id}/external-actions/{action}",
               operation_id="unmap_external_action")
async def unmap_external_action(opportunity_type_id: str, action: ExternalAction,
                                caller: FlowEditor, pool: Pool, if_match: IfMatch,
                                response: Response) -> OpportunityTypePublic:
    """Clear an external action; refused with the substates whose panel needs it."""
    await flows.unmap_external_action(pool, caller, opportunity_type_id, action, if_match)
    return await respond(pool, caller, opportunity_type_id, response)


router.include_router(flow_states.router)
