"""The Postgres event store: append with optimistic concurrency, read by stream or position."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_eventing.metrics import EVENTS_APPENDED

NOTIFY_CHANNEL = "events_appended"

_COLUMNS = ("stream_id, version, event_id, type, topic, partition_key, source, org_id, data,"
            " correlation_id, causation_id, actor, recorded_at")


class ConcurrencyError(Exception):
    """The stream moved on since it was read: the caller lost a race."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    stream_id: str
    version: int
    envelope: Envelope


def _row_to_event(row: asyncpg.Record) -> StoredEvent:
    envelope = Envelope(
        id=str(row["event_id"]), type=row["type"], source=row["source"],
        subject=row["stream_id"], org_id=row["org_id"], data=json.loads(row["data"]),
        correlation_id=row["correlation_id"], causation_id=row["causation_id"],
        actor=row["actor"], time=row["recorded_at"],
    )
    return StoredEvent(row["position"], row["stream_id"], row["version"], envelope)


async def stream_version(conn: asyncpg.Connection, stream_id: str) -> int:
    """The version of the last event of a stream; 0 when it has none."""
    return await conn.fetchval(
        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
    )


async def lock_for_append(conn: asyncpg.Connection) -> None:
    """Wait for every appender to commit and hold new ones off until this transaction ends."""
    await conn.execute("LOCK TABLE events IN EXCLUSIVE MODE")


async def append(
    conn: asyncpg.Connection,
    stream_id: str,
    envelopes: Sequence[Envelope],
    expected_version: int | None,
) -> int:
    """Append to a stream inside the caller's transaction; return the new stream version.

    `expected_version` None appends whatever the stream holds (for outboxes of facts).
    """
    # The exclusive table lock serialises appenders until they commit, so positions become
    # visible in commit order and a relay reading "position > checkpoint" never skips a row
    # that commits late with a lower position. Readers are not blocked by this lock.
    await lock_for_append(conn)
    current = await stream_version(conn, stream_id)
    if expected_version is not None and current != expected_version:
        raise ConcurrencyError(stream_id, expected_version, current)
    await conn.executemany(
        f"INSERT INTO events ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        [
            (stream_id, current + i, e.id, e.type, e.topic, e.key, e.source, e.org_id,
             json.dumps(e.data), e.correlation_id, e.causation_id, e.actor, e.time)
            for i, e in enumerate(envelopes, start=1)
        ],
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    for envelope in envelopes:  # counted before commit: a rolled-back append still counts
        EVENTS_APPENDED.labels(envelope.type).inc()
    return current + len(envelopes)


async def load(conn: asyncpg.Connection, stream_id: str) -> list[StoredEvent]:
    """Every event of one stream, oldest first."""
    rows = await conn.fetch(
        f"SELECT position, {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version",
        stream_id,
    )
    return [_row_to_event(r) for r in rows]


async def read_after(conn: asyncpg.Connection, position: int, limit: int) -> list[StoredEvent]:
    """Up to `limit` events of every stream after `position`, in commit order."""
    rows = await conn.fetch(
        f"SELECT position, {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
        position, limit,
    )
    return [_row_to_event(r) for r in rows]
