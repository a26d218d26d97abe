"""The read model as the customer's actions read and write it, and the portal's outbox."""

import json
from collections.abc import Collection

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_documents import uploads
from portalflow_eventing import store
from portalflow_portal.adapters import snapshot


async def load(conn: asyncpg.Connection, token: str, opportunity_id: str, *,
               field_ids: Collection[str] = (), condition_ids: Collection[str] = (),
               for_update: bool = False) -> dict | None:
    """The opportunity the token opens, with its flow, the org's portal settings and the
    catalog entries its current substate binds or the action names; None for any other."""
    row = await snapshot.fetch(conn, token, opportunity_id, field_ids=field_ids,
                               condition_ids=condition_ids, for_update=for_update)
    return row and snapshot.parsed(row)


async def append(conn: asyncpg.Connection, envelope: Envelope) -> int:
    """Append a customer event to the outbox in the caller's transaction; return its position.

    The caller holds the opportunity's row (`load(..., for_update=True)`), so no other append
    to its stream commits while this one waits for the append lock (see `store.append`)."""
    appended = await store.append(conn, envelope.subject, [envelope], expected_version=None)
    return appended.positions[0]


async def set_in(conn: asyncpg.Connection, opportunity_id: str, column: str, path: list[str],
                 value: object) -> None:
    """Set `value` at `path` in a JSON column of the opportunity's row."""
    assert column in ("fields", "accepted_conditions", "contracts"), column
    await conn.execute(
        f"UPDATE portal_opportunities SET {column} = jsonb_set({column}, $2, $3::jsonb)"
        " WHERE opportunity_id = $1", opportunity_id, path, json.dumps(value))


async def merge_offers(conn: asyncpg.Connection, opportunity_id: str,
                       changes: dict[str, dict]) -> None:
    """Merge each offer's `changes` into that offer of the opportunity's row."""
    await conn.execute(
        "UPDATE portal_opportunities o SET offers = o.offers || (SELECT coalesce("
        " jsonb_object_agg(e.key, coalesce(o.offers -> e.key, '{}'::jsonb) || e.value),"
        " '{}'::jsonb) FROM jsonb_each($2::jsonb) e) WHERE opportunity_id = $1",
        opportunity_id, json.dumps(changes))


async def set_drawing(conn: asyncpg.Connection, opportunity_id: str, drawing: dict) -> None:
    await conn.execute("UPDATE portal_opportunities SET drawing = $2 WHERE opportunity_id = $1",
                       opportunity_id, json.dumps(drawing))


async def uploaded_document(conn: asyncpg.Connection, org_id: str, opportunity_id: str,
                            document_id: str) -> dict | None:
    """A document uploaded through this portal for the opportunity, as a DocumentRef."""
    row = await uploads.find(conn, document_id, org_id)
    if row is None or row["opportunity_id"] != opportunity_id:
        return None
    return {"document_id": str(row["document_id"]), "sha256": row["sha256"],
            "file_name": row["file_name"], "content_type": row["content_type"],
            "size": row["size"]}
