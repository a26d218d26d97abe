"""Commands on opportunity types: create, structure, portal info and config, external actions."""

from collections.abc import Awaitable, Callable

import asyncpg

from portalflow_config.adapters import flow_index, opportunity_index
from portalflow_config.adapters.repository import FoldedStreams
from portalflow_config.application.catalog import load_catalog, lock_catalog
from portalflow_config.application.unit_of_work import Caller, append, check_version, transact
from portalflow_config.domain import flow, structure
from portalflow_config.domain.catalog import OrgCatalog
from portalflow_config.domain.commands import RenameOpportunityType, StructureCommand
from portalflow_config.domain.flow import OpportunityType
from portalflow_config.domain.structure import Facts
from portalflow_contracts.events.flow import (
    ExternalActionMapped,
    OpportunityTypeCreated,
    StatePortalInfoSaved,
    SubstatePortalConfigSaved,
)
from portalflow_contracts.values import ExternalAction

Decide = Callable[[asyncpg.Connection, OpportunityType], Awaitable[list]]

FLOWS = FoldedStreams(flow.evolve, "opportunity type")
"""Opportunity types kept folded: one is loaded for every save of it, and for every opportunity
opened or moved in it, and its stream only grows."""


async def load_flow(conn: asyncpg.Connection, org_id: str,
                    opportunity_type_id: str) -> tuple[OpportunityType, int]:
    """An opportunity type of the org and its version."""
    return await FLOWS.load(conn, opportunity_type_id, org_id)


async def list_flows(pool: asyncpg.Pool, org_id: str,
                     include_archived: bool) -> list[tuple[OpportunityType, int]]:
    """The org's opportunity types and their versions, oldest first."""
    async with pool.acquire() as conn:
        found = await flow_index.load_all(conn, org_id, flow.evolve)
    return [(t, version) for t, version in found if include_archived or not t.archived]


async def _type_names(conn: asyncpg.Connection, org_id: str, other_than: str) -> frozenset[str]:
    await flow_index.lock_names(conn, org_id)
    return frozenset(t.name for t, _ in await flow_index.load_all(conn, org_id, flow.evolve)
                     if not t.archived and t.opportunity_type_id != other_than)


async def create(pool: asyncpg.Pool, caller: Caller, command: OpportunityTypeCreated) -> int:
    """Create an opportunity type with its states and substates."""
    async def work(conn: asyncpg.Connection) -> int:
        names = await _type_names(conn, caller.org_id, command.opportunity_type_id)
        return await append(conn, caller, command.opportunity_type_id, 0,
                            structure.create(command, Facts(type_names=names)))

    return await transact(pool, work)


async def _change(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                  if_match: int | None, decide: Decide) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        current, version = await load_flow(conn, caller.org_id, opportunity_type_id)
        check_version(opportunity_type_id, if_match, version)
        return await append(conn, caller, opportunity_type_id, version,
                            await decide(conn, current))

    return await transact(pool, work, if_match)


def _pure(decide: Callable[[OpportunityType], list]) -> Decide:
    async def run(_: asyncpg.Connection, current: OpportunityType) -> list:
        return decide(current)

    return run


async def change_structure(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                           command: StructureCommand, if_match: int | None) -> int:
    """Rename or archive the type; add, rename, reorder or remove states and substates."""
    async def decide(conn: asyncpg.Connection, current: OpportunityType) -> list:
        names = (await _type_names(conn, caller.org_id, opportunity_type_id)
                 if isinstance(command, RenameOpportunityType) else frozenset())
        doomed = structure.removed_substates(current, command)
        occupants = await opportunity_index.occupants(conn, caller.org_id, doomed)
        return structure.decide(current, command, Facts(type_names=names, occupants=occupants))

    return await _change(pool, caller, opportunity_type_id, if_match, decide)


async def save_state_portal_info(pool: asyncpg.Pool, caller: Caller,
                                 command: StatePortalInfoSaved, if_match: int | None) -> int:
    """Save what the customer reads for a state."""
    async def decide(conn: asyncpg.Connection, current: OpportunityType) -> list:
        catalog = await _locked_catalog(conn, caller.org_id)
        return flow.save_state_portal_info(current, command, catalog.settings)

    return await _change(pool, caller, command.opportunity_type_id, if_match, decide)


async def save_substate_portal_config(pool: asyncpg.Pool, caller: Caller,
                                      command: SubstatePortalConfigSaved,
                                      if_match: int | None) -> int:
    """Save a substate's whole portal config, its bindings checked against the catalog."""
    async def decide(conn: asyncpg.Connection, current: OpportunityType) -> list:
        catalog = await _locked_catalog(conn, caller.org_id)
        return flow.save_substate_portal_config(current, command, catalog)

    return await _change(pool, caller, command.opportunity_type_id, if_match, decide)


async def _locked_catalog(conn: asyncpg.Connection, org_id: str) -> OrgCatalog:
    # Locked so that a field or condition cannot be retired while it is being bound.
    await lock_catalog(conn, org_id)
    return await load_catalog(conn, org_id)


async def map_external_action(pool: asyncpg.Pool, caller: Caller,
                              command: ExternalActionMapped, if_match: int | None) -> int:
    """Point an external action of the flow at a target substate."""
    return await _change(pool, caller, command.opportunity_type_id, if_match,
                         _pure(lambda current: flow.map_external_action(current, command)))


async def unmap_external_action(pool: asyncpg.Pool, caller: Caller, opportunity_type_id: str,
                                action: ExternalAction, if_match: int | None) -> int:
    """Clear an external action of the flow."""
    return await _change(pool, caller, opportunity_type_id, if_match,
                         _pure(lambda current: flow.unmap_external_action(current, action)))
