"""The customer's read: the portal view of the opportunity their token opens."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from portalflow_portal.domain import view
from portalflow_portal.domain.errors import NotFoundError
from portalflow_portal.domain.locales import preferred

# Everything the view needs in one round trip: the opportunity the token opens, its flow, the
# org's portal settings and the catalog entries its current substate binds.
_SNAPSHOT = """
SELECT o.opportunity_id, o.org_id, o.substate_id, o.visited, o.title, o.locale, o.offers,
       o.fields, o.accepted_conditions, o.installer, o.contracts, o.drawing,
       f.definition, s.settings,
       (SELECT coalesce(jsonb_object_agg(c.field_id, c.field), '{}'::jsonb)
          FROM catalog_fields c
         WHERE c.org_id = o.org_id AND c.field_id IN (
               SELECT b ->> 'field' FROM jsonb_array_elements(sub.config -> 'fields') b)
       ) AS catalog_fields,
       (SELECT coalesce(jsonb_object_agg(c.condition_id, c.condition), '{}'::jsonb)
          FROM catalog_conditions c
         WHERE c.org_id = o.org_id AND c.condition_id IN (
               SELECT jsonb_array_elements_text(sub.config -> 'conditions'))
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
_JSON = ("offers", "fields", "accepted_conditions", "installer", "contracts", "drawing",
         "definition", "settings", "catalog_fields", "catalog_conditions")


@dataclass(frozen=True)
class Seen:
    """A view and the org of its opportunity, whose changes concern it too."""

    org_id: str
    view: dict


async def read_view(pool: asyncpg.Pool, token: str, opportunity_id: str,
                    accepted_locales: Sequence[str], default_locale: str) -> Seen:
    """The portal view of the opportunity the token opens; NotFoundError for any other."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(_SNAPSHOT, _token_hash(token), opportunity_id)
    if row is None:
        raise NotFoundError(f"opportunity {opportunity_id} not found for this access token")
    snapshot = {**row, **{k: json.loads(row[k]) if row[k] is not None else None for k in _JSON}}
    settings = snapshot["settings"]
    catalog = view.Catalog(settings, snapshot["catalog_fields"], snapshot["catalog_conditions"])
    locales = preferred(accepted_locales, snapshot["locale"], settings, default_locale)
    return Seen(row["org_id"], view.build(snapshot["definition"], snapshot, locales, catalog))


async def get_view(pool: asyncpg.Pool, token: str, opportunity_id: str,
                   locales: Sequence[str], default_locale: str) -> dict:
    """The portal view of the opportunity in the customer's locale."""
    return (await read_view(pool, token, opportunity_id, locales, default_locale)).view


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

