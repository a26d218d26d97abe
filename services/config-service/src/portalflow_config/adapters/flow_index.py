"""Every opportunity type of an org, folded from config-service's own event store."""

import json
from collections.abc import Callable

import asyncpg

from portalflow_contracts.events.flow import OpportunityTypeCreated
from portalflow_contracts.registry import parse

_STREAMS = """
SELECT stream_id, version, type, data FROM events
WHERE stream_id IN (SELECT stream_id FROM events WHERE org_id = $1 AND type = $2)
ORDER BY position
"""


async def load_all(conn: asyncpg.Connection, org_id: str, evolve: Callable) -> list[tuple]:
    """(aggregate, version) of every opportunity type of the org, oldest first."""
    folded: dict[str, tuple] = {}
    for row in await conn.fetch(_STREAMS, org_id, OpportunityTypeCreated.type):
        state, _ = folded.get(row["stream_id"], (None, 0))
        event = parse(row["type"], json.loads(row["data"]))
        folded[row["stream_id"]] = (evolve(state, event), row["version"])
    return list(folded.values())


async def lock_names(conn: asyncpg.Connection, org_id: str) -> None:
    """Serialise, until commit, the transactions that create or rename the org's types."""
    # Names are checked across streams, which the per-stream version check cannot protect:
    # without this lock two concurrent creates could both see a name as free.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                       f"opportunity-type-names:{org_id}")
