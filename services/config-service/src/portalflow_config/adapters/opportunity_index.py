"""Which opportunities sit in given substates, read from config-service's own event store."""

from collections.abc import Sequence

import asyncpg

from portalflow_contracts.events.opportunity import OpportunityOpened, SubstateChanged
from portalflow_eventing import store

# The latest substate of every opportunity of the org. Substate ids are uuids, unique across
# flows, so the substate alone says which opportunities a removal would strand.
_OCCUPANTS = """
SELECT opportunity_id FROM (
    SELECT DISTINCT ON (stream_id) stream_id AS opportunity_id,
           coalesce(data->>'to_substate_id', data->>'substate_id') AS substate_id
    FROM events
    WHERE org_id = $1 AND type = ANY($2::text[])
    ORDER BY stream_id, version DESC
) latest
WHERE substate_id = ANY($3::text[])
ORDER BY opportunity_id
"""


async def occupants(conn: asyncpg.Connection, org_id: str,
                    substate_ids: Sequence[str]) -> tuple[str, ...]:
    """Ids of the org's opportunities currently in one of `substate_ids`."""
    if not substate_ids:
        return ()
    # Taking the append lock first makes us wait for opportunities being opened or moved right
    # now (appenders hold it until they commit), so none of them is missed by the read below.
    await store.lock_for_append(conn)
    rows = await conn.fetch(_OCCUPANTS, org_id, [OpportunityOpened.type, SubstateChanged.type],
                            list(substate_ids))
    return tuple(row["opportunity_id"] for row in rows)
