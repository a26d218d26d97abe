"""The Postgres event store: append with optimistic concurrency, read by stream or position."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from portalflow_contracts.envelope import Envelope, to_kafka
from portalflow_eventing.metrics import EVENTS_APPENDED

NOTIFY_CHANNEL = "events_appended"

_COLUMNS = ("stream_id, version, event_id, type, topic, partition_key, source, org_id, data,"
            " correlation_id, causation_id, actor, recorded_at")


class ConcurrencyError(Exception):
    """The stream moved on since it was read: the caller lost a race."""

    def __init__(self, stream_id: str, expected: int | None, actual: int | None) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, expected {expected}" if actual is not None
            else f"stream {stream_id} was appended to while this append waited for its turn")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


MAX_EVENT_BYTES = 512 * 1024
"""The default event size limit: well below the 1 MiB a Kafka broker takes by default."""
_max_event_bytes = MAX_EVENT_BYTES  # one per process: the service's setting


class EventTooLargeError(Exception):
    """An event whose Kafka record would exceed the event size limit: it is never written,
    since no relay could publish it."""

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        super().__init__(f"the {event_type} event this would write takes {size:,} bytes as a "
                         f"Kafka record; at most {limit:,} are accepted: send less")
        self.event_type, self.size, self.limit = event_type, size, limit


def limit_event_size(max_bytes: int) -> None:
    """Set the largest record (headers, key and value) an append accepts; from settings."""
    global _max_event_bytes
    _max_event_bytes = max_bytes


def record_size(envelope: Envelope) -> int:
    """Bytes of the Kafka record the relay publishes for `envelope`."""
    headers, key, value = to_kafka(envelope)
    return sum(len(name) + len(raw) for name, raw in headers) + len(key) + len(value)


def _refuse_too_large(envelopes: Sequence[Envelope]) -> None:
    for envelope in envelopes:
        if (size := record_size(envelope)) > _max_event_bytes:
            raise EventTooLargeError(envelope.type, size, _max_event_bytes)


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


APPEND_LOCK = -0x6576656E7473  # "events" in ASCII, negated: no relay's crc32 lock id is negative
"""The transaction-level advisory lock every appender takes. Not `LOCK TABLE events IN
EXCLUSIVE MODE`, which did the same job but also kept autovacuum away: it skips a table it
cannot lock at once, and under steady appends it never analyzed the event store."""


async def lock_for_append(conn: asyncpg.Connection) -> None:
    """Wait for every appender to commit and hold new ones off until this transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", APPEND_LOCK)


@dataclass(frozen=True, slots=True)
class Appended:
    version: int  # the stream's new version
    positions: list[int]  # of the appended events, in order


# Takes the append lock, reads the stream's version, appends the events after it (only if it
# is the expected one) and wakes the relays: one round trip. No row is numbered before the lock
# is held, as each one joins `locked`; a transaction that holds it already takes it again at
# once (advisory locks are re-entrant).
_APPEND = f"""
WITH locked AS MATERIALIZED (
    SELECT pg_advisory_xact_lock({APPEND_LOCK})
), stream AS (
    SELECT coalesce(max(version), 0) AS version FROM events WHERE stream_id = $1
), appended AS (
    INSERT INTO events ({_COLUMNS})
    SELECT $1, stream.version + e.n, e.event_id, e.type, e.topic, e.partition_key, e.source,
           e.org_id, e.data, e.correlation_id, e.causation_id, e.actor, e.recorded_at
    FROM locked, stream,
         unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
         WITH ORDINALITY AS e(event_id, type, topic, partition_key, source, org_id, data,
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
) -> Appended:
    """Append to a stream inside the caller's transaction, taking the append lock.

    `expected_version` None appends whatever the stream holds (for outboxes of facts).
    ConcurrencyError when another append to the stream came first; when it committed while
    this one waited for the lock, even with `expected_version` None: the statement read the
    stream before its turn came, and the version it wants is taken. A transaction that took
    the lock before reading (`lock_for_append`) never waits here. EventTooLargeError, before
    anything is written, for an envelope over the event size limit.
    """
    _refuse_too_large(envelopes)
    # The append lock serialises appenders until they commit (it is released only once the
    # commit is visible), so positions become visible in commit order and a relay reading
    # "position > checkpoint" never skips a row that commits late with a lower position.
    # Readers are not blocked by this lock. Taken in the append's own statement, it is held
    # one round trip less: appenders queue for it, so that round trip was every appender's.
    try:
        row = await conn.fetchrow(_APPEND, stream_id, expected_version, *_arrays(envelopes))
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != "events_pkey":
            raise
        raise ConcurrencyError(stream_id, expected_version, None) from error
    if expected_version is not None and row["current"] != expected_version:
        raise ConcurrencyError(stream_id, expected_version, row["current"])
    _count(envelopes)
    return Appended(row["current"] + len(envelopes), row["positions"])


# Every envelope at the version its caller gives, in the given order; wakes the relays.
_APPEND_AT = f"""
WITH appended AS (
    INSERT INTO events ({_COLUMNS})
    SELECT e.stream_id, e.version, e.event_id, e.type, e.topic, e.partition_key, e.source,
           e.org_id, e.data, e.correlation_id, e.causation_id, e.actor, e.recorded_at
    FROM unnest($1::text[], $2::integer[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::text[],
                $13::timestamptz[])
         WITH ORDINALITY AS e(stream_id, version, event_id, type, topic, partition_key, source,
                              org_id, data, correlation_id, causation_id, actor, recorded_at, n)
    ORDER BY e.n
)
SELECT pg_notify('{NOTIFY_CHANNEL}', '')
"""


async def append_at(conn: asyncpg.Connection, versioned: Sequence[tuple[int, Envelope]]) -> None:
    """Append each envelope to its subject's stream at the version given, all in one statement.

    For a transaction that holds the append lock and read those streams' versions after taking
    it, so that it knows them (several streams at once: no read of each before its write). A
    version taken already fails the whole append (the primary key): nothing is overwritten.
    EventTooLargeError, before anything is written, for an envelope over the size limit.
    """
    if not versioned:
        return
    envelopes = [envelope for _, envelope in versioned]
    _refuse_too_large(envelopes)
    await conn.execute(_APPEND_AT, [e.subject for e in envelopes],
                       [version for version, _ in versioned], *_arrays(envelopes))
    _count(envelopes)


def _arrays(envelopes: Sequence[Envelope]) -> list[list]:
    """The columns after (stream_id, version), one array each, for `unnest`."""
    return [[e.id for e in envelopes], [e.type for e in envelopes],
            [e.topic for e in envelopes], [e.key for e in envelopes],
            [e.source for e in envelopes], [e.org_id for e in envelopes],
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


async def read_after(conn: asyncpg.Connection, position: int, limit: int) -> list[StoredEvent]:
    """Up to `limit` events of every stream after `position`, in commit order."""
    rows = await conn.fetch(
        f"SELECT position, {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
        position, limit,
    )
    return [_row_to_event(r) for r in rows]


async def read_key(conn: asyncpg.Connection, topic: str, partition_key: str, first: int,
                   last: int) -> list[StoredEvent]:
    """The events of one partition key of a topic from position `first` to `last`, in order."""
    rows = await conn.fetch(
        f"SELECT position, {_COLUMNS} FROM events WHERE position BETWEEN $1 AND $2"
        " AND topic = $3 AND partition_key = $4 ORDER BY position",
        first, last, topic, partition_key)
    return [_row_to_event(r) for r in rows]
