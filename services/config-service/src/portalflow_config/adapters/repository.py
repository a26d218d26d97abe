"""Aggregates loaded from the event store by folding their stream."""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import asyncpg

from portalflow_config.domain.errors import NotFoundError
from portalflow_contracts.registry import parse

T = TypeVar("T")


async def load(conn: asyncpg.Connection, stream_id: str, org_id: str,
               evolve: Callable[[T | None, object], T], what: str) -> tuple[T, int]:
    """The aggregate and its version; NotFoundError if absent or of another org."""
    rows = await conn.fetch("SELECT version, org_id, type, data FROM events"
                            " WHERE stream_id = $1 ORDER BY version", stream_id)
    return fold(rows, stream_id, org_id, evolve, what)


def fold(rows: Sequence[Mapping], stream_id: str, org_id: str,
         evolve: Callable[[T | None, object], T], what: str) -> tuple[T, int]:
    """The aggregate of a stream's rows (version, org_id, type, data), oldest first."""
    if not rows or rows[0]["org_id"] != org_id:
        raise NotFoundError(f"{what} {stream_id} not found")
    state = None
    for row in rows:
        state = evolve(state, parse(row["type"], json.loads(row["data"])))
    return state, rows[-1]["version"]
