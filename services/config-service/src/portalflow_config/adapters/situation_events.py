"""What customer actions are checked against, read in one round trip: the streams of the
opportunities they name, of those opportunities' types, and the catalog events of their orgs."""

from collections import defaultdict
from collections.abc import Collection

import asyncpg

_EVENTS = """
SELECT 'opportunity' AS part, stream_id AS key, position, stream_id, version, org_id, type, data
  FROM events WHERE stream_id = ANY($1::text[])
UNION ALL
SELECT 'flow', stream_id, position, stream_id, version, org_id, type, data
  FROM events WHERE stream_id IN (SELECT data ->> 'opportunity_type_id' FROM events
                                   WHERE stream_id = ANY($1::text[]) AND version = 1)
UNION ALL
SELECT 'catalog', org_id, position, stream_id, version, org_id, type, data
  FROM events WHERE org_id = ANY($2::text[]) AND type = ANY($3::text[])
ORDER BY part, position
"""

Rows = dict[str, list[asyncpg.Record]]


async def load(conn: asyncpg.Connection, opportunity_ids: Collection[str],
               org_ids: Collection[str], catalog_types: list[str]) -> dict[str, Rows]:
    """The rows of each part, in commit order: `opportunity` and `flow` by stream id,
    `catalog` by org id."""
    parts: dict[str, Rows] = {part: defaultdict(list) for part in ("opportunity", "flow",
                                                                    "catalog")}
    for row in await conn.fetch(_EVENTS, list(opportunity_ids), list(org_ids), catalog_types):
        parts[row["part"]][row["key"]].append(row)
    return parts
