"""Load, decide, append with the expected version, commit: the shape of every command."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.base import Event
from portalflow_eventing import store
from portalflow_eventing.store import ConcurrencyError

SOURCE = "config-service"
RETRIES_ON_RACE = 3


@dataclass(frozen=True)
class Caller:
    """Who acts, for which org, in which conversation."""

    org_id: str
    actor: str
    correlation_id: str
    causation_id: str | None = None


async def append(conn: asyncpg.Connection, caller: Caller, stream_id: str,
                 expected_version: int | None, events: Sequence[Event]) -> int:
    """Envelope the events and append them to the stream; return its new version."""
    return (await store.append(conn, stream_id, wrap(caller, stream_id, events),
                               expected_version)).version


def wrap(caller: Caller, stream_id: str, events: Sequence[Event]) -> list[Envelope]:
    """The envelopes of events the caller causes on a stream."""
    return [Envelope.wrap(e, source=SOURCE, subject=stream_id, org_id=caller.org_id,
                          correlation_id=caller.correlation_id,
                          causation_id=caller.causation_id, actor=caller.actor)
            for e in events]


async def transact(pool: asyncpg.Pool, work: Callable[[asyncpg.Connection], Awaitable],
                   if_match: int | None = None):
    """Run `work` in a transaction; without `If-Match`, a lost race is simply run again."""
    attempts = 1 if if_match is not None else RETRIES_ON_RACE
    for attempt in range(1, attempts + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await work(conn)
        except ConcurrencyError:
            if attempt == attempts:
                raise


def check_version(stream_id: str, if_match: int | None, version: int) -> None:
    """Refuse a write based on a version the client no longer holds."""
    if if_match is not None and if_match != version:
        raise ConcurrencyError(stream_id, if_match, version)
