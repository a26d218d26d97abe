"""Projects flow-definition, catalog and opportunity events into the read model.

Most handlers are projectors: they return the one statement that applies their event, which
the idempotent consumer runs in its transaction, in order, grouped with identical neighbours.
Those that must read first (a flow's definition, a field's state) are appliers and run their
own statements. `tell_watchers` then notifies live listeners (delivered at commit) of whom the
change concerns: the opportunity, or the whole org for flow, catalog and settings changes.
"""

import json
from collections.abc import Callable, Sequence
from uuid import UUID

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import catalog
from portalflow_contracts.events import opportunity as events
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.registry import parse
from portalflow_eventing.statements import Handler, Statement
from portalflow_portal.adapters import catalog_projection, live
from portalflow_portal.domain import definition, field_state


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


def on_opened(envelope: Envelope) -> Statement:
    event = events.OpportunityOpened.model_validate(envelope.data)
    return Statement(
        "INSERT INTO portal_opportunities (opportunity_id, org_id, opportunity_type_id,"
        " substate_id, visited, title, locale) VALUES ($1, $2, $3, $4, ARRAY[$4], $5, $6)",
        (event.opportunity_id, envelope.org_id, event.opportunity_type_id, event.substate_id,
         event.title, event.locale))


def on_substate_changed(envelope: Envelope) -> Statement:
    event = events.SubstateChanged.model_validate(envelope.data)
    return Statement(
        "UPDATE portal_opportunities SET substate_id = $2,"
        " visited = array_append(array_remove(visited, $2), $2) WHERE opportunity_id = $1",
        (event.opportunity_id, event.to_substate_id))


def _merge(column: str, opportunity_id: str, key: str, changes: dict) -> Statement:
    """Merge `changes` into the entry `key` of the opportunity's JSON object `column`."""
    assert column in {"offers", "contracts"}, column
    return Statement(
        f"UPDATE portal_opportunities SET {column} = jsonb_set({column}, ARRAY[$2],"
        f" coalesce({column} -> $2, '{{}}'::jsonb) || $3::jsonb) WHERE opportunity_id = $1",
        (opportunity_id, key, json.dumps(changes)))


def on_offer_issued(envelope: Envelope) -> Statement:
    event = events.OfferIssued.model_validate(envelope.data)
    return _merge("offers", event.opportunity_id, event.offer_id, {
        "title": event.title, "amount": str(event.amount), "currency": event.currency,
        "status": "open", "issued_at": envelope.time.isoformat()})


def on_offer_accepted(envelope: Envelope) -> Statement:
    event = events.OfferAccepted.model_validate(envelope.data)
    return _merge("offers", event.opportunity_id, event.offer_id,
                  {"status": "accepted", "pending": None})


def on_offer_rejected(envelope: Envelope) -> Statement:
    event = events.OfferRejected.model_validate(envelope.data)
    return _merge("offers", event.opportunity_id, event.offer_id,
                  {"status": "rejected", "pending": None})


def on_portal_access_granted(envelope: Envelope) -> Statement:
    event = events.PortalAccessGranted.model_validate(envelope.data)
    return Statement(
        "INSERT INTO portal_access (token_sha256, opportunity_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING", (event.token_sha256, event.opportunity_id))


def on_portal_access_revoked(envelope: Envelope) -> Statement:
    event = events.PortalAccessRevoked.model_validate(envelope.data)
    return Statement("DELETE FROM portal_access WHERE opportunity_id = $1",
                     (event.opportunity_id,))


async def _customer_event(conn: asyncpg.Connection,
                          event_id: str | None) -> asyncpg.Record | None:
    """Position, type and payload of one of our own customer events in our outbox; None if
    not ours."""
    try:
        uuid = UUID(event_id) if event_id else None
    except ValueError:
        return None
    return uuid and await conn.fetchrow(
        "SELECT position, type, data FROM events WHERE event_id = $1", uuid)


async def _change_field(conn: asyncpg.Connection, opportunity_id: str, field_id: str,
                        change: Callable[[dict | None], dict]) -> None:
    """Replace a field's state by `change(state)`; the row lock orders it with customer writes."""
    state = await conn.fetchval(
        "SELECT fields -> $2 FROM portal_opportunities WHERE opportunity_id = $1 FOR UPDATE",
        opportunity_id, field_id)
    await conn.execute(
        "UPDATE portal_opportunities SET fields = jsonb_set(fields, ARRAY[$2], $3::jsonb)"
        " WHERE opportunity_id = $1",
        opportunity_id, field_id, json.dumps(change(json.loads(state) if state else None)))


async def on_field_value_set(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A confirmed value; when it echoes a customer write of ours, that write is no longer due."""
    event = events.FieldValueSet.model_validate(envelope.data)
    cause = await _customer_event(conn, envelope.causation_id)
    caused_by = cause["position"] if cause else None
    await _change_field(conn, event.opportunity_id, event.field_id,
                        lambda state: field_state.confirmed(state, event.value, caused_by))


async def on_customer_action_rejected(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A refused customer write stops showing: the confirmed field value, or the offers as they
    were, show again."""
    event = events.CustomerActionRejected.model_validate(envelope.data)
    refused = await _customer_event(conn, event.customer_event_id)
    if refused and refused["type"] == CustomerAcceptedOffer.type:
        await conn.execute(  # the offers it showed as decided are open again
            "UPDATE portal_opportunities SET offers = (SELECT jsonb_object_agg(e.key, CASE"
            " WHEN (e.value -> 'pending') = 'true' THEN (e.value - 'pending')"
            " || jsonb_build_object('status', 'open') ELSE e.value END)"
            " FROM jsonb_each(offers) e) WHERE opportunity_id = $1 AND offers <> '{}'::jsonb",
            event.opportunity_id)
        return
    field_id = refused and json.loads(refused["data"]).get("field_id")
    if field_id:
        await _change_field(conn, event.opportunity_id, field_id,
                            lambda state: field_state.rejected(state, refused["position"]))


def on_condition_accepted(envelope: Envelope) -> Statement:
    event = events.ConditionAccepted.model_validate(envelope.data)
    return Statement(
        "UPDATE portal_opportunities SET accepted_conditions = jsonb_set(accepted_conditions,"
        " ARRAY[$2], to_jsonb(greatest($3, coalesce((accepted_conditions ->> $2)::int, 0))))"
        " WHERE opportunity_id = $1", (event.opportunity_id, event.condition_id, event.version))


def _replace(column: str, opportunity_id: str, value: dict) -> Statement:
    """Replace the opportunity's JSON column `column` by `value`."""
    assert column in {"installer", "drawing"}, column
    return Statement(
        f"UPDATE portal_opportunities SET {column} = $2::jsonb WHERE opportunity_id = $1",
        (opportunity_id, json.dumps(value)))


def on_installer_assigned(envelope: Envelope) -> Statement:
    event = events.InstallerAssigned.model_validate(envelope.data)
    return _replace("installer", event.opportunity_id,
                    event.model_dump(mode="json", include={"installer", "visit_at"}))


def on_contract_issued(envelope: Envelope) -> Statement:
    event = events.ContractIssued.model_validate(envelope.data)
    return _merge("contracts", event.opportunity_id, event.contract_id, {
        "title": event.title, "document": event.document.model_dump(mode="json"),
        "signed_document": None, "issued_at": envelope.time.isoformat()})


def on_signed_contract_received(envelope: Envelope) -> Statement:
    event = events.SignedContractReceived.model_validate(envelope.data)
    return _merge("contracts", event.opportunity_id, event.contract_id,
                  {"signed_document": event.document.model_dump(mode="json")})


def on_drawing_submitted(envelope: Envelope) -> Statement:
    event = events.DrawingSubmitted.model_validate(envelope.data)
    return _replace("drawing", event.opportunity_id,
                    event.model_dump(mode="json", include={"roof", "roof_area_m2"}))


ORG_HANDLERS: dict[str, Handler] = {
    **{model.type: on_flow_event for model in definition.APPLY},
    catalog.DynamicFieldDefined.type: catalog_projection.on_field_defined,
    catalog.DynamicFieldUpdated.type: catalog_projection.on_field_updated,
    catalog.DynamicFieldRetired.type: catalog_projection.on_field_retired,
    catalog.ConditionPublished.type: catalog_projection.on_condition_published,
    catalog.ConditionRevised.type: catalog_projection.on_condition_published,
    catalog.ConditionRetired.type: catalog_projection.on_condition_retired,
    catalog.PortalSettingsSaved.type: catalog_projection.on_portal_settings_saved,
}

OPPORTUNITY_HANDLERS: dict[str, Handler] = {
    events.OpportunityOpened.type: on_opened,
    events.SubstateChanged.type: on_substate_changed,
    events.OfferIssued.type: on_offer_issued,
    events.OfferAccepted.type: on_offer_accepted,
    events.OfferRejected.type: on_offer_rejected,
    events.PortalAccessGranted.type: on_portal_access_granted,
    events.PortalAccessRevoked.type: on_portal_access_revoked,
    events.FieldValueSet.type: on_field_value_set,
    events.CustomerActionRejected.type: on_customer_action_rejected,
    events.ConditionAccepted.type: on_condition_accepted,
    events.InstallerAssigned.type: on_installer_assigned,
    events.ContractIssued.type: on_contract_issued,
    events.SignedContractReceived.type: on_signed_contract_received,
    events.DrawingSubmitted.type: on_drawing_submitted,
}

# Opportunity events that change nothing the customer sees: the transition that follows does.
NOT_SHOWN = {events.StepCompleted.type, events.ReactivationRequested.type}

HANDLERS: dict[str, Handler] = {**ORG_HANDLERS, **OPPORTUNITY_HANDLERS}


async def tell_watchers(conn: asyncpg.Connection, applied: Sequence[Envelope]) -> None:
    """Wake the live views the applied events concern: one notification per opportunity (or
    org, for its configuration), sent with the transaction's commit."""
    await live.notify_all(conn, {
        live.org_key(e.org_id) if e.type in ORG_HANDLERS else e.data["opportunity_id"]
        for e in applied})
