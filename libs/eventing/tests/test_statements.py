"""Projected statements: sent in runs of the same SQL, each partition key's in its order."""

from portalflow_eventing.statements import Pending, Statement


class Recording:
    """A connection that records what it is asked to execute."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple]]] = []

    async def execute(self, sql: str, *args) -> None:
        self.calls.append((sql, [args]))

    async def executemany(self, sql: str, args: list[tuple]) -> None:
        self.calls.append((sql, list(args)))


async def sent(*statements: tuple[str, str, int]) -> list[tuple[str, list[tuple]]]:
    pending, conn = Pending(), Recording()
    for sql, key, n in statements:
        pending.add(Statement(sql, (key, n)), key)
    await pending.send(conn)
    return conn.calls


async def test_opportunities_one_after_another_share_two_runs():
    calls = await sent(("INSERT", "a", 1), ("UPDATE", "a", 2), ("UPDATE", "a", 3),
                       ("INSERT", "b", 1), ("UPDATE", "b", 2), ("UPDATE", "b", 3))
    assert calls == [("INSERT", [("a", 1), ("b", 1)]),
                     ("UPDATE", [("a", 2), ("a", 3), ("b", 2), ("b", 3)])]


async def test_a_keys_statement_never_runs_before_the_keys_earlier_ones():
    calls = await sent(("X", "a", 1), ("Y", "a", 2), ("X", "a", 3), ("X", "b", 1),
                       ("Y", "b", 2))
    assert calls == [("X", [("a", 1), ("b", 1)]), ("Y", [("a", 2), ("b", 2)]),
                     ("X", [("a", 3)])]


async def test_nothing_is_pending_once_sent():
    pending, conn = Pending(), Recording()
    pending.add(Statement("X", (1,)), "a")
    await pending.send(conn)
    await pending.send(conn)
    pending.add(Statement("X", (2,)), "a")
    await pending.send(conn)
    assert conn.calls == [("X", [(1,)]), ("X", [(2,)])]
