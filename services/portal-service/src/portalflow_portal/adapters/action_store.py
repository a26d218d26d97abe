"""The read model as the customer's actions read and write it, and the portal's outbox."""

import hashlib
import json
from collections.abc import Collection
from typing import Literal

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_documents import uploads
from portalflow_eventing import store

_CATALOGS = {"fields": ("catalog_fields", "field_id", "field"),
             "conditions": ("catalog_conditions", "condition_id", "condition")}
_JSON = ("offers", "fields", "accepted_conditions", "contracts", "definition")

_LOAD = """
SELECT o.opportunity_id, o.org_id, o.substate_id, o.locale, o.offers, o.fields,
       o.accepted_conditions, o.contracts, f.definition
FROM portal_access a
JOIN portal_opportunities o USING (opportunity_id)
JOIN flows f USING (opportunity_type_id)
WHERE a.token_sha256 = $1 AND o.opportunity_id = $2
"""


async def load(conn: asyncpg.Connection, token: str, opportunity_id: str, *,
               for_update: bool = False) -> dict | None:
    """The opportunity the token opens, with its flow definition; None for any other.

    `for_update` locks the opportunity's row until the transaction ends: actions on one
    opportunity (and the projection's updates of it) then run one after the other, so a check
    and the write it allows see the same substate.
    """
    query = _LOAD + (" FOR UPDATE OF o" if for_update else "")
    row = await conn.fetchrow(query, hashlib.sha256(token.encode()).hexdigest(), opportunity_id)
    return row and {**row, **{column: json.loads(row[column]) for column in _JSON}}


async def catalog(conn: asyncpg.Connection, kind: Literal["fields", "conditions"],
                  org_id: str, ids: Collection[str]) -> dict[str, dict]:
    """The org's catalog entries of these fields or conditions, by id."""
    table, key, column = _CATALOGS[kind]
    rows = await conn.fetch(f"SELECT {key}, {column} FROM {table}"
                            f" WHERE org_id = $1 AND {key} = ANY($2::text[])",
                            org_id, list(ids))
    return {row[key]: json.loads(row[column]) for row in rows}


async def portal_settings(conn: asyncpg.Connection, org_id: str) -> dict | None:
    """The org's portal settings; None until it saves them."""
    settings = await conn.fetchval("SELECT settings FROM portal_settings WHERE org_id = $1",
                                   org_id)
    return settings and json.loads(settings)


async def append(conn: asyncpg.Connection, envelope: Envelope) -> int:
    """Append a customer event to the outbox in the caller's transaction; return its position."""
    appended = await store.append(conn, envelope.subject, [envelope], expected_version=None)
    return appended.positions[0]


async def set_in(conn: asyncpg.Connection, opportunity_id: str, column: str, path: list[str],
                 value: object) -> None:
    """Set `value` at `path` in a JSON column of the opportunity's row."""
    assert column in ("fields", "accepted_conditions", "contracts"), column
    await conn.execute(
        f"UPDATE portal_opportunities SET {column} = jsonb_set({column}, $2, $3::jsonb)"
        " WHERE opportunity_id = $1", opportunity_id, path, json.dumps(value))


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
