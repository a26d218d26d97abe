"""The opportunity a customer's token opens, with everything its view and actions read, in
one round trip: its flow, the org's portal settings and the catalog entries its current
substate binds (and any others asked for)."""

import hashlib
import json
from collections.abc import Collection

import asyncpg

_SNAPSHOT = """
SELECT o.opportunity_id, o.org_id, o.substate_id, o.visited, o.title, o.locale, o.offers,
       o.fields, o.accepted_conditions, o.installer, o.contracts, o.drawing,
       f.definition, s.settings,
       (SELECT coalesce(jsonb_object_agg(c.field_id, c.field), '{}'::jsonb)
          FROM catalog_fields c
         WHERE c.org_id = o.org_id AND (c.field_id = ANY($3::text[]) OR c.field_id IN (
               SELECT b ->> 'field' FROM jsonb_array_elements(sub.config -> 'fields') b))
       ) AS catalog_fields,
       (SELECT coalesce(jsonb_object_agg(c.condition_id, c.condition), '{}'::jsonb)
          FROM catalog_conditions c
         WHERE c.org_id = o.org_id AND (c.condition_id = ANY($4::text[]) OR c.condition_id IN (
               SELECT jsonb_array_elements_text(sub.config -> 'conditions')))
       ) AS catalog_conditions
FROM portal_access a
JOIN portal_opportunities o USING (opportunity_id)
JOIN flows f USING (opportunity_type_id)
LEFT JOIN portal_settings s ON s.org_id = o.org_id
CROSS JOIN LATERAL (
    SELECT jsonb_path_query_first(f.definition, '$.states[*].substates[*] ? (@.substate_id == $id)',
                                  jsonb_build_object('id', o.substate_id)) AS config
) sub
WHERE a.token_sha256 = $1 AND o.opportunity_id = $2
"""
JSON_COLUMNS = ("offers", "fields", "accepted_conditions", "installer", "contracts", "drawing",
                "definition", "settings", "catalog_fields", "catalog_conditions")


async def fetch(conn: asyncpg.Connection, token: str, opportunity_id: str, *,
                field_ids: Collection[str] = (), condition_ids: Collection[str] = (),
                for_update: bool = False) -> asyncpg.Record | None:
    """The snapshot row, JSON columns as text; None unless the token opens the opportunity.

    `for_update` locks the opportunity's row until the transaction ends: actions on one
    opportunity (and the projection's updates of it) then run one after the other, so a check
    and the write it allows see the same substate.
    """
    return await conn.fetchrow(_SNAPSHOT + (" FOR UPDATE OF o" if for_update else ""),
                               hashlib.sha256(token.encode()).hexdigest(), opportunity_id,
                               list(field_ids), list(condition_ids))


def parsed(row: asyncpg.Record) -> dict:
    """The snapshot row with its JSON columns parsed."""
    return {**row, **{k: json.loads(row[k]) if row[k] is not None else None
                      for k in JSON_COLUMNS}}
