"""Partition keys whose next event the relay cannot publish, and what operators do about them.

A key is parked at its first event that failed for good (too large for the broker, refused by
it): that event and every later one of the key wait, in order, while the events of every other
key are published. An operator sets the failed event aside (it is never published) or asks for
another try; either way the relay then publishes the key's waiting events before moving on.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from portalflow_eventing import store
from portalflow_eventing.store import StoredEvent

CONTROL_CHANNEL = "relay_control"
"""Notified when an operator changes what the relay must do; the running relay looks again."""


@dataclass(frozen=True, slots=True)
class Parked:
    """A key whose events wait, from the event at `position` on."""

    relay: str
    topic: str
    key: str
    position: int
    event_id: str
    error: str
    parked_at: datetime
    retry: bool = False

    def describe(self) -> str:
        """One line for readiness, logs and the operator."""
        return (f"{self.topic} key {self.key} waits since event {self.event_id} "
                f"(position {self.position}): {self.error}")


def _parked(row: asyncpg.Record) -> Parked:
    return Parked(row["relay"], row["topic"], row["partition_key"], row["position"],
                  str(row["event_id"]), row["error"], row["parked_at"], row["retry"])


async def parked(conn: asyncpg.Connection, relay: str | None) -> list[Parked]:
    """The relay's parked keys (None: every relay's of the database), oldest first."""
    return [_parked(row) for row in await conn.fetch(
        "SELECT * FROM relay_parked WHERE $1::text IS NULL OR relay = $1"
        " ORDER BY relay, position", relay)]


async def park(conn: asyncpg.Connection, relay: str, event: StoredEvent, error: str) -> Parked:
    """Park the event's key at the event (or move a parked key on to it)."""
    row = await conn.fetchrow(
        "INSERT INTO relay_parked (relay, topic, partition_key, position, event_id, error)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (relay, topic, partition_key) DO UPDATE"
        " SET position = excluded.position, event_id = excluded.event_id,"
        " error = excluded.error, parked_at = now(), retry = false RETURNING *",
        relay, event.envelope.topic, event.envelope.key, event.position, event.envelope.id,
        error)
    return _parked(row)


async def waiting(conn: asyncpg.Connection, relay: str, key: Parked,
                  up_to: int) -> list[StoredEvent]:
    """The key's events from its parked one up to position `up_to`, those set aside left out."""
    set_aside = {row["position"] for row in await conn.fetch(
        "SELECT position FROM relay_set_aside WHERE relay = $1 AND position BETWEEN $2 AND $3",
        relay, key.position, up_to)}
    return [event for event in await store.read_key(conn, key.topic, key.key, key.position,
                                                    up_to)
            if event.position not in set_aside]


async def unpark(conn: asyncpg.Connection, relay: str, key: Parked) -> None:
    """The key's events are all published again: it flows like any other."""
    await conn.execute("DELETE FROM relay_parked WHERE relay = $1 AND topic = $2"
                       " AND partition_key = $3", relay, key.topic, key.key)


async def set_aside(conn: asyncpg.Connection, relay: str, event_id: str,
                    reason: str) -> Parked | None:
    """Never publish the parked event `event_id`; its key's later events then go on.

    None when no key of the relay is parked at that event."""
    async with conn.transaction():
        row = await conn.fetchrow(
            "UPDATE relay_parked SET retry = true WHERE relay = $1 AND event_id = $2::uuid"
            " RETURNING *", relay, event_id)
        if row is None:
            return None
        await conn.execute(
            "INSERT INTO relay_set_aside (relay, position, event_id, reason)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            relay, row["position"], row["event_id"], reason)
        await notify(conn)
    return _parked(row)


async def retry(conn: asyncpg.Connection, relay: str, event_id: str) -> Parked | None:
    """Try the parked event `event_id` again (e.g. once the broker takes larger records)."""
    row = await conn.fetchrow(
        "UPDATE relay_parked SET retry = true WHERE relay = $1 AND event_id = $2::uuid"
        " RETURNING *", relay, event_id)
    if row is not None:
        await notify(conn)
    return row and _parked(row)


async def notify(conn: asyncpg.Connection) -> None:
    """Make the running relay look again at its checkpoint and parked keys (at commit)."""
    await conn.execute("SELECT pg_notify($1, '')", CONTROL_CHANNEL)
