"""Commands on opportunity types: create, portal info and config, external actions."""

import asyncpg

from portalflow_config.adapters.repository import load
from portalflow_config.application.unit_of_work import Caller, append, check_version, transact
from portalflow_config.domain import flow
from portalflow_config.domain.flow import OpportunityType
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    OpportunityTypeCreated,
    StatePortalInfoSaved,
    SubstatePortalConfigSaved,
)


async def load_flow(conn: asyncpg.Connection, org_id: str,
                    opportunity_type_id: str) -> tuple[OpportunityType, int]:
    """An opportunity type of the org and its version."""
    return await load(conn, opportunity_type_id, org_id, flow.evolve, "opportunity type")


async def create(pool: asyncpg.Pool, caller: Caller, command: OpportunityTypeCreated) -> int:
    """Create an opportunity type with its states and substates."""
    return await transact(pool, lambda conn: append(
        conn, caller, command.opportunity_type_id, 0, [command]))


async def _change(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                  if_match: int | None, decide) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        current, version = await load_flow(conn, caller.org_id, opportunity_type_id)
        check_version(opportunity_type_id, if_match, version)
        return await append(conn, caller, opportunity_type_id, version, decide(current))

    return await transact(pool, work, if_match)


async def save_state_portal_info(pool: asyncpg.Pool, caller: Caller,
                                 command: StatePortalInfoSaved, if_match: int | None) -> int:
    """Save what the customer reads for a state."""
    return await _change(pool, caller, command.opportunity_type_id, if_match,
                         lambda current: flow.save_state_portal_info(current, command))


async def save_substate_portal_config(pool: asyncpg.Pool, caller: Caller,
                                      command: SubstatePortalConfigSaved,
                                      if_match: int | None) -> int:
    """Save a substate's whole portal config."""
    # The dynamic-field and conditions catalogs do not exist yet: nothing can be referenced.
    return await _change(pool, caller, command.opportunity_type_id, if_match,
                         lambda current: flow.save_substate_portal_config(
                             current, command, known_fields=set(), known_conditions=set()))


async def map_external_action(pool: asyncpg.Pool, caller: Caller,
                              command: ExternalActionMapped, if_match: int | None) -> int:
    """Point an external action of the flow at a target substate."""
    return await _change(pool, caller, command.opportunity_type_id, if_match,
                         lambda current: flow.map_external_action(current, command))
