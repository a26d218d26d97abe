"""What every opportunity-type route answers: the whole definition, its version as ETag."""

import asyncpg
from fastapi import Response

from portalflow_config.application import flows
from portalflow_config.application.unit_of_work import Caller
from portalflow_config.domain.commands import StructureCommand
from portalflow_config.domain.flow import OpportunityType
from portalflow_config.entrypoints.flow_schemas import (
    OpportunityTypePublic,
    StatePortalInfo,
    StatePublic,
    SubstatePortalConfig,
    SubstatePublic,
)


def public(flow: OpportunityType, version: int) -> OpportunityTypePublic:
    """The definition in flow order with appearance and portal config."""
    def portal(config, model):
        return model.model_validate(config.model_dump(include=set(model.model_fields))) \
            if config else None

    return OpportunityTypePublic(
        opportunity_type_id=flow.opportunity_type_id, name=flow.name, version=version,
        archived=flow.archived, external_actions=flow.external_actions,
        states=[StatePublic(
            state_id=s.state_id, name=s.name, icon=s.icon, colour=s.colour,
            portal=portal(flow.state_portal.get(s.state_id), StatePortalInfo),
            substates=[SubstatePublic(
                substate_id=sub.substate_id, name=sub.name,
                portal=portal(flow.substate_portal.get(sub.substate_id), SubstatePortalConfig))
                for sub in s.substates])
            for s in flow.states])


async def respond(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                  response: Response) -> OpportunityTypePublic:
    """The opportunity type as it is now, with its version as ETag."""
    async with pool.acquire() as conn:
        flow, version = await flows.load_flow(conn, caller.org_id, opportunity_type_id)
    response.headers["ETag"] = f'"{version}"'
    return public(flow, version)


async def change(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                 command: StructureCommand, if_match: int | None,
                 response: Response) -> OpportunityTypePublic:
    """Apply a structure command and answer with the changed definition."""
    await flows.change_structure(pool, caller, opportunity_type_id, command, if_match)
    return await respond(pool, caller, opportunity_type_id, response)
