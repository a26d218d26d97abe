"""The Postgres event store: append with optimistic concurrency, read by stream or position."""

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_eventing.metrics import EVENTS_APPENDED

NOTIFY_CHANNEL = "events_appended"

_COLUMNS = ("stream_id, version, event_id, type, topic, partition_key, lane, source, org_id,"
            " data, correlation_id, causation_id, actor, recorded_at")


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
    lane: int
    envelope: Envelope


def _row_to_event(row: asyncpg.Record) -> StoredEvent:
    envelope = Envelope(
        id=str(row["event_id"]), type=row["type"], source=row["source"],
        subject=row["stream_id"], org_id=row["org_id"], data=json.loads(row["data"]),
        correlation_id=row["correlation_id"], causation_id=row["causation_id"],
        actor=row["actor"], time=row["recorded_at"],
    )
    return StoredEvent(row["position"], row["stream_id"], row["version"], row["lane"], envelope)


LANES = 16
"""Appenders serialise per lane, a hash of the partition key, until they commit: in a lane,
positions become visible in commit order, so a relay reading "position > its checkpoint for the
lane" never skips a row that commits late with a lower position. Kafka keeps order per key only,
and appenders of other keys do not wait for each other. The number may grow (a relay reads a lane
it has no checkpoint for from the start), never shrink, and changes only with appenders stopped."""

_LANE_LOCKS = 0x6C616E65  # "lane": the lane locks' space, the first of two keys, so they are
# apart from every one-key advisory lock (relays, migrations)


def lane(key: str) -> int:
    """The lane of a partition key."""
    return zlib.crc32(key.encode()) % LANES


async def lock_lanes(conn: asyncpg.Connection, lanes: Iterable[int]) -> None:
    """Wait for the appenders of these lanes to commit and hold new ones off until this
    transaction ends. In ascending order, as every appender takes them: no deadlock."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, lane) FROM unnest($2::integer[]) lane",
                       _LANE_LOCKS, sorted(set(lanes)))


async def lock_for_append(conn: asyncpg.Connection) -> None:
    """Wait for every appender to commit and hold new ones off until this transaction ends:
    every lane, before the transaction appends anything. Advisory locks, not `LOCK TABLE events
    IN EXCLUSIVE MODE`, which kept autovacuum away: it skips a table it cannot lock at once, and
    under steady appends it never analyzed the event store."""
    await lock_lanes(conn, range(LANES))


@dataclass(frozen=True, slots=True)
class Appended:
    version: int  # the stream's new version
    positions: list[int]  # of the appended events, in order


# Reads the stream's version, appends the events after it (only if it is the expected one)
# and wakes the relays: one round trip.
_APPEND = f"""
WITH stream AS (
    SELECT coalesce(max(version), 0) AS version FROM events WHERE stream_id = $1
), appended AS (
    INSERT INTO events ({_COLUMNS})
    SELECT $1, stream.version + e.n, e.event_id, e.type, e.topic, e.partition_key, e.lane,
           e.source, e.org_id, e.data, e.correlation_id, e.causation_id, e.actor, e.recorded_at
    FROM stream, unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::smallint[],
                        $8::text[], $9::text[], $10::jsonb[], $11::text[], $12::text[],
                        $13::text[], $14::timestamptz[])
         WITH ORDINALITY AS e(event_id, type, topic, partition_key, lane, source, org_id, data,
                              correlation_id, causation_id, actor, recorded_at, n)
    WHERE $2::integer IS NULL OR stream.version = $2
    ORDER BY e.n
    RETURNING position
)
SELECT stream.version AS current,
       (SELECT coalesce(array_agg(position ORDER BY position), '{{}}') FROM appended)
           AS positions,
       pg_notify('{NOTIFY_CHANNEL}', '')
FROM stream
"""


async def append(
    conn: asyncpg.Connection,
    stream_id: str,
    envelopes: Sequence[Envelope],
    expected_version: int | None,
    *,
    locked: bool = False,
) -> Appended:
    """Append to a stream inside the caller's transaction.

    `expected_version` None appends whatever the stream holds (for outboxes of facts).
    `locked`: the transaction holds every lane already (see `lock_for_append`).
    """
    # Released only once the commit is visible (see LANES); readers are not blocked by it.
    if not locked:
        await lock_lanes(conn, (lane(e.key) for e in envelopes))
    row = await conn.fetchrow(_APPEND, stream_id, expected_version, *_arrays(envelopes))
    if expected_version is not None and row["current"] != expected_version:
        raise ConcurrencyError(stream_id, expected_version, row["current"])
    _count(envelopes)
    return Appended(row["current"] + len(envelopes), row["positions"])


# Every envelope at the version its caller gives, in the given order; wakes the relays.
_APPEND_AT = f"""
WITH appended AS (
    INSERT INTO events ({_COLUMNS})
    SELECT e.stream_id, e.version, e.event_id, e.type, e.topic, e.partition_key, e.lane,
           e.source, e.org_id, e.data, e.correlation_id, e.causation_id, e.actor, e.recorded_at
    FROM unnest($1::text[], $2::integer[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                $7::smallint[], $8::text[], $9::text[], $10::jsonb[], $11::text[], $12::text[],
                $13::text[], $14::timestamptz[])
         WITH ORDINALITY AS e(stream_id, version, event_id, type, topic, partition_key, lane,
                              source, org_id, data, correlation_id, causation_id, actor,
                              recorded_at, n)
    ORDER BY e.n
)
SELECT pg_notify('{NOTIFY_CHANNEL}', '')
"""


async def append_at(conn: asyncpg.Connection, versioned: Sequence[tuple[int, Envelope]]) -> None:
    """Append each envelope to its subject's stream at the version given, all in one statement.

    For a transaction that holds every lane (`lock_for_append`) and read those streams'
    versions after taking them, so that it knows them (several streams at once: no read of
    each before its write). A version taken already fails the whole append (the primary key):
    nothing is overwritten.
    """
    if not versioned:
        return
    envelopes = [envelope for _, envelope in versioned]
    await conn.execute(_APPEND_AT, [e.subject for e in envelopes],
                       [version for version, _ in versioned], *_arrays(envelopes))
    _count(envelopes)


def _arrays(envelopes: Sequence[Envelope]) -> list[list]:
    """The columns after (stream_id, version), one array each, for `unnest`."""
    return [[e.id for e in envelopes], [e.type for e in envelopes],
            [e.topic for e in envelopes], [e.key for e in envelopes],
            [lane(e.key) for e in envelopes], [e.source for e in envelopes],
            [e.org_id for e in envelopes],
            [json.dumps(e.data) for e in envelopes], [e.correlation_id for e in envelopes],
            [e.causation_id for e in envelopes], [e.actor for e in envelopes],
            [e.time for e in envelopes]]


def _count(envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:  # counted before commit: a rolled-back append still counts
        EVENTS_APPENDED.labels(envelope.type).inc()


async def load(conn: asyncpg.Connection, stream_id: str) -> list[StoredEvent]:
    """Every event of one stream, oldest first."""
    rows = await conn.fetch(
        f"SELECT position, {_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version",
        stream_id,
    )
    return [_row_to_event(r) for r in rows]


# The events of each lane after its checkpoint ($1, lane n at n + 1), the first $2 of them by
# position: per lane a prefix of what is still to publish, since lanes commit in position order.
_READ_AFTER = f"""
SELECT position, {_COLUMNS} FROM events
WHERE position IN (
    SELECT next.position
    FROM unnest($1::bigint[]) WITH ORDINALITY AS checkpoint(position, n),
         LATERAL (SELECT position FROM events
                  WHERE lane = checkpoint.n - 1 AND position > checkpoint.position
                  ORDER BY position LIMIT $2) AS next
    ORDER BY next.position LIMIT $2)
ORDER BY position
"""


async def read_after(conn: asyncpg.Connection, checkpoints: Sequence[int],
                     limit: int) -> list[StoredEvent]:
    """Up to `limit` events after each lane's checkpoint (`checkpoints[lane]`), in position
    order, which is commit order within a lane."""
    return [_row_to_event(r) for r in await conn.fetch(_READ_AFTER, checkpoints, limit)]
