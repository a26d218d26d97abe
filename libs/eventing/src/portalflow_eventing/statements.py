"""Handlers of two kinds. A projector returns the one statement that applies its event, which
the consumer sends grouped with others of the same SQL as one pipelined `executemany`; an
applier runs its own statements, and may read the database first."""

import inspect
from bisect import bisect_left
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, NamedTuple

import asyncpg

from portalflow_contracts.envelope import Envelope


class Statement(NamedTuple):
    """One SQL statement and its arguments."""

    sql: str
    args: tuple[Any, ...]


Applier = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
"""An async function that applies the event on the connection it is given."""
Projector = Callable[[Envelope], Statement]
"""A plain function: the statement that applies the event, whatever the database holds.
It must touch only rows of the event's partition key (its aggregate, or its org)."""
Handler = Applier | Projector


class Pending:
    """Statements not sent yet, in runs of the same SQL, each run one `executemany`.

    The statements of one partition key keep their order: a statement joins the first run of
    its SQL that is not before the key's previous statement. Those of different keys may
    change places: Kafka orders events only per key, so the read model may not depend on the
    order between keys (it ends identical however partitions interleave, or a rebuild).
    """

    def __init__(self) -> None:
        self._runs: list[tuple[str, list[tuple[Any, ...]]]] = []
        self._runs_of: dict[str, list[int]] = {}  # SQL → indexes of its runs, ascending
        self._last_run_of: dict[str, int] = {}  # partition key → run of its last statement

    def add(self, statement: Statement, key: str) -> None:
        runs = self._runs_of.setdefault(statement.sql, [])
        at = bisect_left(runs, self._last_run_of.get(key, 0))
        if at == len(runs):
            runs.append(len(self._runs))
            self._runs.append((statement.sql, []))
        self._runs[runs[at]][1].append(statement.args)
        self._last_run_of[key] = runs[at]

    async def send(self, conn: asyncpg.Connection) -> None:
        """Execute the runs in order; nothing is pending after."""
        runs, self._runs, self._runs_of, self._last_run_of = self._runs, [], {}, {}
        for sql, args in runs:
            if len(args) == 1:
                await conn.execute(sql, *args[0])
            else:
                await conn.executemany(sql, args)


@cache
def _is_applier(handler: Handler) -> bool:
    return inspect.iscoroutinefunction(handler)


async def handle(conn: asyncpg.Connection, handler: Handler, envelope: Envelope,
                 pending: Pending) -> None:
    """Apply `envelope`: a projector's statement joins `pending`; an applier runs after it."""
    if _is_applier(handler):
        await pending.send(conn)  # it may read what the pending statements write
        await handler(conn, envelope)
        return
    statement = handler(envelope)
    if not isinstance(statement, Statement):
        raise TypeError(f"{handler!r} returned {statement!r}: a projector returns a Statement,"
                        " an applier is an async function")
    pending.add(statement, envelope.key)


async def apply(conn: asyncpg.Connection, handler: Handler, envelope: Envelope) -> None:
    """Apply one event with its handler, whichever kind it is."""
    pending = Pending()
    await handle(conn, handler, envelope, pending)
    await pending.send(conn)
