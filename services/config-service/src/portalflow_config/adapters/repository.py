"""Aggregates loaded from the event store by folding their stream."""

from collections.abc import Callable
from typing import TypeVar

import asyncpg

from portalflow_config.domain.errors import NotFoundError
from portalflow_contracts.registry import parse
from portalflow_eventing import store

T = TypeVar("T")


async def load(conn: asyncpg.Connection, stream_id: str, org_id: str,
               evolve: Callable[[T | None, object], T], what: str) -> tuple[T, int]:
    """The aggregate and its version; NotFoundError if absent or of another org."""
    events = await store.load(conn, stream_id)
    if not events or events[0].envelope.org_id != org_id:
        raise NotFoundError(f"{what} {stream_id} not found")
    state = None
    for event in events:
        state = evolve(state, parse(event.envelope.type, event.envelope.data))
    return state, events[-1].version
