"""What a customer action is checked against, read in one round trip: the opportunity's
stream, its opportunity type's stream and the org's catalog events."""

import asyncpg

_EVENTS = """
SELECT 'opportunity' AS part, position, stream_id, version, org_id, type, data
  FROM events WHERE stream_id = $1
UNION ALL
SELECT 'flow', position, stream_id, version, org_id, type, data
  FROM events WHERE stream_id = (SELECT data ->> 'opportunity_type_id' FROM events
                                  WHERE stream_id = $1 AND version = 1)
UNION ALL
SELECT 'catalog', position, stream_id, version, org_id, type, data
  FROM events WHERE org_id = $2 AND type = ANY($3::text[])
ORDER BY part, position
"""


async def load(conn: asyncpg.Connection, opportunity_id: str, org_id: str,
                      catalog_types: list[str]) -> dict[str, list[asyncpg.Record]]:
    """The rows of each part (`opportunity`, `flow`, `catalog`), in commit order."""
    parts: dict[str, list[asyncpg.Record]] = {"opportunity": [], "flow": [], "catalog": []}
    for row in await conn.fetch(_EVENTS, opportunity_id, org_id, catalog_types):
        parts[row["part"]].append(row)
    return parts
