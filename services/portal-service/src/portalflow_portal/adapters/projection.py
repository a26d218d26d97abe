"""Projects flow-definition and opportunity events into the read model."""

import json

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import opportunity
from portalflow_contracts.registry import parse
from portalflow_eventing.consumer import Handler
from portalflow_portal.domain import definition


async def on_flow_event(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Fold a flow event into its opportunity type's definition."""
    event = parse(envelope.type, envelope.data)
    current = await conn.fetchval(
        "SELECT definition FROM flows WHERE opportunity_type_id = $1 FOR UPDATE",
        event.opportunity_type_id)
    updated = definition.apply(json.loads(current) if current else None, event)
    await conn.execute(
        "INSERT INTO flows (opportunity_type_id, org_id, definition) VALUES ($1, $2, $3)"
        " ON CONFLICT (opportunity_type_id) DO UPDATE SET definition = excluded.definition",
        event.opportunity_type_id, envelope.org_id, json.dumps(updated))


async def on_opened(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.OpportunityOpened.model_validate(envelope.data)
    await conn.execute(
        "INSERT INTO portal_opportunities (opportunity_id, org_id, opportunity_type_id,"
        " substate_id, visited, title, locale) VALUES ($1, $2, $3, $4, ARRAY[$4], $5, $6)",
        event.opportunity_id, envelope.org_id, event.opportunity_type_id, event.substate_id,
        event.title, event.locale)


async def on_substate_changed(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.SubstateChanged.model_validate(envelope.data)
    await conn.execute(
        "UPDATE portal_opportunities SET substate_id = $2,"
        " visited = array_append(array_remove(visited, $2), $2) WHERE opportunity_id = $1",
        event.opportunity_id, event.to_substate_id)


async def _set_offer(conn: asyncpg.Connection, opportunity_id: str, offer_id: str,
                     changes: dict) -> None:
    await conn.execute(
        "UPDATE portal_opportunities SET offers = jsonb_set(offers, ARRAY[$2],"
        " coalesce(offers -> $2, '{}'::jsonb) || $3::jsonb) WHERE opportunity_id = $1",
        opportunity_id, offer_id, json.dumps(changes))


async def on_offer_issued(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.OfferIssued.model_validate(envelope.data)
    await _set_offer(conn, event.opportunity_id, event.offer_id, {
        "title": event.title, "amount": str(event.amount), "currency": event.currency,
        "status": "open", "issued_at": envelope.time.isoformat()})


async def on_offer_accepted(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.OfferAccepted.model_validate(envelope.data)
    await _set_offer(conn, event.opportunity_id, event.offer_id, {"status": "accepted"})


async def on_offer_rejected(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.OfferRejected.model_validate(envelope.data)
    await _set_offer(conn, event.opportunity_id, event.offer_id, {"status": "rejected"})


async def on_portal_access_granted(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.PortalAccessGranted.model_validate(envelope.data)
    await conn.execute(
        "INSERT INTO portal_access (token_sha256, opportunity_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING", event.token_sha256, event.opportunity_id)


async def on_portal_access_revoked(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = opportunity.PortalAccessRevoked.model_validate(envelope.data)
    await conn.execute("DELETE FROM portal_access WHERE opportunity_id = $1", event.opportunity_id)


HANDLERS: dict[str, Handler] = {
    **{model.type: on_flow_event for model in definition.APPLY},
    opportunity.OpportunityOpened.type: on_opened,
    opportunity.SubstateChanged.type: on_substate_changed,
    opportunity.OfferIssued.type: on_offer_issued,
    opportunity.OfferAccepted.type: on_offer_accepted,
    opportunity.OfferRejected.type: on_offer_rejected,
    opportunity.PortalAccessGranted.type: on_portal_access_granted,
    opportunity.PortalAccessRevoked.type: on_portal_access_revoked,
}
