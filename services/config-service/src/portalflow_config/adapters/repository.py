"""Aggregates loaded from the event store by folding their stream."""

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg

from portalflow_config.domain.errors import NotFoundError
from portalflow_contracts.registry import parse

T = TypeVar("T")

_STREAM = """
SELECT version, position, org_id, type, data FROM events
WHERE stream_id = $1 AND version >= $2 ORDER BY version
"""


async def load(conn: asyncpg.Connection, stream_id: str, org_id: str,
               evolve: Callable[[T | None, object], T], what: str) -> tuple[T, int]:
    """The aggregate and its version; NotFoundError if absent or of another org."""
    return fold(await conn.fetch(_STREAM, stream_id, 1), stream_id, org_id, evolve, what)


def fold(rows: Sequence[Mapping], stream_id: str, org_id: str,
         evolve: Callable[[T | None, object], T], what: str) -> tuple[T, int]:
    """The aggregate of a stream's rows (version, org_id, type, data), oldest first."""
    if not rows or rows[0]["org_id"] != org_id:
        raise NotFoundError(f"{what} {stream_id} not found")
    return _onto(None, rows, evolve), rows[-1]["version"]


def _onto(state: T | None, rows: Sequence[Mapping], evolve: Callable[[T | None, object], T],
          ) -> T:
    for row in rows:
        state = evolve(state, parse(row["type"], json.loads(row["data"])))
    return state


@dataclass(frozen=True)
class _Folded(Generic[T]):
    org_id: str
    version: int
    position: int  # of the stream's event at `version`: a position is never used twice
    state: T


class FoldedStreams(Generic[T]):
    """Aggregates of one kind kept folded between loads, for streams that grow long (an
    opportunity type is saved again and again): a load reads the events appended since the
    last one, and folds only those. The aggregates must be immutable.

    The event at the version kept is read again and its position compared: if a transaction
    that was folded rolled back, it differs (or is gone), and the stream is folded anew."""

    def __init__(self, evolve: Callable[[T | None, object], T], what: str,
                 max_streams: int = 1024) -> None:
        self.evolve, self.what, self.max_streams = evolve, what, max_streams
        self._folded: OrderedDict[str, _Folded[T]] = OrderedDict()

    async def load(self, conn: asyncpg.Connection, stream_id: str, org_id: str,
                   ) -> tuple[T, int]:
        """The aggregate and its version; NotFoundError if absent or of another org."""
        kept = self._folded.get(stream_id)
        rows = await conn.fetch(_STREAM, stream_id, kept.version if kept else 1)
        if kept and rows and (rows[0]["version"], rows[0]["position"]) == (
                kept.version, kept.position):
            if kept.org_id != org_id:
                raise NotFoundError(f"{self.what} {stream_id} not found")
            state, version = _onto(kept.state, rows[1:], self.evolve), rows[-1]["version"]
        else:
            if kept:  # not the event that was folded: fold the stream anew
                rows = await conn.fetch(_STREAM, stream_id, 1)
            state, version = fold(rows, stream_id, org_id, self.evolve, self.what)
        self._folded[stream_id] = _Folded(org_id, version, rows[-1]["position"], state)
        self._folded.move_to_end(stream_id)
        if len(self._folded) > self.max_streams:
            self._folded.popitem(last=False)
        return state, version
