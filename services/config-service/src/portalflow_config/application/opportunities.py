"""Commands on opportunities from the back office; customer events are in customer_actions."""

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from uuid import uuid4

import asyncpg

from portalflow_config.adapters.repository import load
from portalflow_config.application.catalog import load_catalog
from portalflow_config.application.flows import load_flow
from portalflow_config.application.unit_of_work import Caller, append, check_version, transact
from portalflow_config.domain import opportunity as rules
from portalflow_config.domain.errors import NotFoundError
from portalflow_config.domain.opportunity import Opportunity
from portalflow_contracts.events.opportunity import (
    ContractIssued,
    InstallerAssigned,
    OfferIssued,
    OpportunityOpened,
    PortalAccessGranted,
)
from portalflow_contracts.values import Cause, DocumentRef, FieldType
from portalflow_documents import uploads
from portalflow_eventing import store

Decide = Callable[[asyncpg.Connection, Opportunity], Awaitable[list]]


async def load_opportunity(conn: asyncpg.Connection, org_id: str,
                           opportunity_id: str) -> tuple[Opportunity, int]:
    """An opportunity of the org and its version."""
    return await load(conn, opportunity_id, org_id, rules.evolve, "opportunity")


async def open_opportunity(pool: asyncpg.Pool, caller: Caller, command: OpportunityOpened) -> int:
    """Open an opportunity in a substate of its flow."""
    async def work(conn: asyncpg.Connection) -> int:
        await store.lock_for_append(conn)  # no substate removal between our read and our write
        current_flow, _ = await load_flow(conn, caller.org_id, command.opportunity_type_id)
        catalog = await load_catalog(conn, caller.org_id)
        events = rules.open_opportunity(current_flow, command, catalog.settings)
        return await append(conn, caller, command.opportunity_id, 0, events)

    return await transact(pool, work)


async def _change(pool: asyncpg.Pool, caller: Caller, opportunity_id: str,
                  if_match: int | None, decide: Decide) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        current, version = await load_opportunity(conn, caller.org_id, opportunity_id)
        check_version(opportunity_id, if_match, version)
        return await append(conn, caller, opportunity_id, version, await decide(conn, current))

    return await transact(pool, work, if_match)


async def move(pool: asyncpg.Pool, caller: Caller, opportunity_id: str, to_substate_id: str,
               reason: str | None, if_match: int | None) -> int:
    """An operator moves the opportunity to another substate."""
    async def decide(conn: asyncpg.Connection, current: Opportunity) -> list:
        await store.lock_for_append(conn)  # no substate removal between our read and our write
        flow, _ = await load_flow(conn, caller.org_id, current.opportunity_type_id)
        return rules.move(current, flow, to_substate_id, Cause(kind="operator", reason=reason))

    return await _change(pool, caller, opportunity_id, if_match, decide)


async def issue_offer(pool: asyncpg.Pool, caller: Caller, command: OfferIssued,
                      if_match: int | None) -> int:
    """Issue an offer the customer can accept in the portal."""
    async def decide(_: asyncpg.Connection, current: Opportunity) -> list:
        return rules.issue_offer(current, command)

    return await _change(pool, caller, command.opportunity_id, if_match, decide)


async def set_field_value(pool: asyncpg.Pool, caller: Caller, opportunity_id: str,
                          field_id: str, value: object, if_match: int | None) -> int:
    """Set a dynamic field's value on the opportunity, checked against the field's type."""
    async def decide(conn: asyncpg.Connection, current: Opportunity) -> list:
        field = (await load_catalog(conn, caller.org_id)).fields.get(field_id)
        shared = value
        if field and field.type is FieldType.FILE and isinstance(value, dict):
            shared = await _document(conn, caller.org_id, value.get("document_id", ""))
        return rules.set_field_value(current, field, field_id, shared)

    return await _change(pool, caller, opportunity_id, if_match, decide)


async def assign_installer(pool: asyncpg.Pool, caller: Caller, command: InstallerAssigned,
                           if_match: int | None) -> int:
    """Assign the installer and the visit the customer sees on the installer-visit panel."""
    async def decide(_: asyncpg.Connection, __: Opportunity) -> list:
        return [command]

    return await _change(pool, caller, command.opportunity_id, if_match, decide)


async def issue_contract(pool: asyncpg.Pool, caller: Caller, opportunity_id: str, title: str,
                         document_id: str, if_match: int | None) -> tuple[str, int]:
    """Issue a contract, an uploaded document, for the customer to download and sign."""
    contract_id = str(uuid4())

    async def decide(conn: asyncpg.Connection, _: Opportunity) -> list:
        document = await _document(conn, caller.org_id, document_id)
        return [ContractIssued(opportunity_id=opportunity_id, contract_id=contract_id,
                               title=title, document=document)]

    return contract_id, await _change(pool, caller, opportunity_id, if_match, decide)


async def _document(conn: asyncpg.Connection, org_id: str, document_id: str) -> DocumentRef:
    """The reference of a document the org uploaded; NotFoundError otherwise."""
    row = await uploads.find(conn, document_id, org_id)
    if row is None:
        raise NotFoundError(f"document {document_id} not found; upload it first")
    return DocumentRef(document_id=str(row["document_id"]), sha256=row["sha256"],
                       file_name=row["file_name"], content_type=row["content_type"],
                       size=row["size"])


async def grant_portal_access(pool: asyncpg.Pool, caller: Caller,
                              opportunity_id: str) -> tuple[str, int]:
    """Mint the customer's token; it is returned once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    granted = PortalAccessGranted(opportunity_id=opportunity_id,
                                  token_sha256=hashlib.sha256(token.encode()).hexdigest())

    async def decide(_: asyncpg.Connection, __: Opportunity) -> list:
        return [granted]

    return token, await _change(pool, caller, opportunity_id, None, decide)


async def revoke_portal_access(pool: asyncpg.Pool, caller: Caller, opportunity_id: str,
                               if_match: int | None) -> int:
    """Every access token of the opportunity stops working."""
    async def decide(_: asyncpg.Connection, current: Opportunity) -> list:
        return rules.revoke_portal_access(current)

    return await _change(pool, caller, opportunity_id, if_match, decide)

