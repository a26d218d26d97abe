"""Commands on opportunities, from the back office and from customers' events."""

import hashlib
import secrets

import asyncpg

from portalflow_config.adapters.repository import load
from portalflow_config.application.flows import load_flow
from portalflow_config.application.unit_of_work import Caller, append, check_version, transact
from portalflow_config.domain import opportunity as rules
from portalflow_config.domain.errors import CustomerActionRejectedError
from portalflow_config.domain.opportunity import Opportunity
from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.opportunity import (
    CustomerActionRejected,
    OfferIssued,
    OpportunityOpened,
    PortalAccessGranted,
)
from portalflow_contracts.values import Cause


async def load_opportunity(conn: asyncpg.Connection, org_id: str,
                           opportunity_id: str) -> tuple[Opportunity, int]:
    """An opportunity of the org and its version."""
    return await load(conn, opportunity_id, org_id, rules.evolve, "opportunity")


async def open_opportunity(pool: asyncpg.Pool, caller: Caller, command: OpportunityOpened) -> int:
    """Open an opportunity in a substate of its flow."""
    async def work(conn: asyncpg.Connection) -> int:
        current_flow, _ = await load_flow(conn, caller.org_id, command.opportunity_type_id)
        events = rules.open_opportunity(current_flow, command)
        return await append(conn, caller, command.opportunity_id, 0, events)

    return await transact(pool, work)


async def _change(pool: asyncpg.Pool, caller: Caller, opportunity_id: str,
                  if_match: int | None, decide) -> int:
    async def work(conn: asyncpg.Connection) -> int:
        current, version = await load_opportunity(conn, caller.org_id, opportunity_id)
        check_version(opportunity_id, if_match, version)
        current_flow, _ = await load_flow(conn, caller.org_id, current.opportunity_type_id)
        return await append(conn, caller, opportunity_id, version,
                            decide(current, current_flow))

    return await transact(pool, work, if_match)


async def move(pool: asyncpg.Pool, caller: Caller, opportunity_id: str, to_substate_id: str,
               reason: str | None, if_match: int | None) -> int:
    """An operator moves the opportunity to another substate."""
    cause = Cause(kind="operator", reason=reason)
    return await _change(pool, caller, opportunity_id, if_match,
                         lambda opp, flow: rules.move(opp, flow, to_substate_id, cause))


async def issue_offer(pool: asyncpg.Pool, caller: Caller, command: OfferIssued,
                      if_match: int | None) -> int:
    """Issue an offer the customer can accept in the portal."""
    return await _change(pool, caller, command.opportunity_id, if_match,
                         lambda opp, _: rules.issue_offer(opp, command))


async def grant_portal_access(pool: asyncpg.Pool, caller: Caller,
                              opportunity_id: str) -> tuple[str, int]:
    """Mint the customer's token; it is returned once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    granted = PortalAccessGranted(opportunity_id=opportunity_id, token_sha256=digest)
    version = await _change(pool, caller, opportunity_id, None, lambda *_: [granted])
    return token, version


async def on_customer_accepted_offer(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Apply the customer's offer acceptance, or record why it could not be applied."""
    action = CustomerAcceptedOffer.model_validate(envelope.data)
    caller = Caller(org_id=envelope.org_id, actor=envelope.actor or "customer",
                    correlation_id=envelope.correlation_id, causation_id=envelope.id)
    current, version = await load_opportunity(conn, caller.org_id, action.opportunity_id)
    current_flow, _ = await load_flow(conn, caller.org_id, current.opportunity_type_id)
    try:
        events = rules.accept_offer(current, current_flow, action, envelope.id)
    except CustomerActionRejectedError as rejection:
        events = [CustomerActionRejected(
            opportunity_id=action.opportunity_id, customer_event_id=envelope.id,
            customer_event_type=envelope.type, reason=str(rejection))]
    await append(conn, caller, action.opportunity_id, version, events)
