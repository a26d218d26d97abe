"""Live updates: what changed in the read model, told through Postgres and fanned out in-process.

Writers call `notify` / `notify_all` inside the transaction that changes what a customer sees;
Postgres delivers the notification only when that transaction commits, so whoever receives it
reads the change. Each process holds one LISTEN connection (`Hub.run`) and wakes the
subscribers the notification concerns; subscribers hold no database connection while idle.
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator

import asyncpg
import structlog

CHANNEL = "portal_changed"
_ORG = "org:"

log = structlog.get_logger(__name__)


async def notify(conn: asyncpg.Connection, opportunity_id: str) -> None:
    """Tell listeners, at commit, that what this opportunity's customer sees may have changed."""
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, opportunity_id)


async def notify_all(conn: asyncpg.Connection, keys: Iterable[str]) -> None:
    """`notify` for many opportunity ids or org keys in one round trip."""
    await conn.execute("SELECT pg_notify($1, key) FROM unnest($2::text[]) AS key",
                       CHANNEL, list(keys))


def org_key(org_id: str) -> str:
    """The notification payload meaning "every opportunity of the org"."""
    return f"{_ORG}{org_id}"


class Subscription:
    """A subscriber's wake-ups: at most one waits, as the subscriber re-reads everything anyway."""

    def __init__(self, hub: "Hub", keys: set[str]) -> None:
        self.hub, self.keys = hub, keys
        self.changes: asyncio.Queue[None] = asyncio.Queue(maxsize=1)

    def wake(self) -> None:
        """Ask the subscriber to look again; a wake-up already waiting covers this one."""
        with contextlib.suppress(asyncio.QueueFull):
            self.changes.put_nowait(None)

    def also(self, key: str) -> None:
        """Wake this subscriber for `key` too (an opportunity id or an `org_key`)."""
        self.keys.add(key)
        self.hub._by_key[key].add(self)

    async def changed(self) -> None:
        """Wait until something this subscriber follows may have changed."""
        await self.changes.get()


class Hub:
    """One LISTEN connection per process, fanning notifications out to subscribers' queues."""

    def __init__(self, database_url: str, *, health_check_seconds: float = 30.0,
                 reconnect_seconds: float = 1.0) -> None:
        self.database_url = database_url
        self.health_check_seconds, self.reconnect_seconds = health_check_seconds, reconnect_seconds
        self._by_key: dict[str, set[Subscription]] = defaultdict(set)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def subscribe(self, *keys: str) -> Iterator[Subscription]:
        """A subscription woken by notifications about `keys`, dropped when the block exits."""
        subscription = Subscription(self, set())
        for key in keys:
            subscription.also(key)
        try:
            yield subscription
        finally:
            for key in subscription.keys:
                self._by_key[key].discard(subscription)
                if not self._by_key[key]:
                    del self._by_key[key]

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open now."""
        return len({s for subs in self._by_key.values() for s in subs})

    def _dispatch(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        for subscription in tuple(self._by_key.get(payload, ())):
            subscription.wake()

    def _wake_all(self) -> None:
        for subscriptions in tuple(self._by_key.values()):
            for subscription in tuple(subscriptions):
                subscription.wake()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting when the connection is lost."""
        while True:
            try:
                await self._listen_once()
                log.warning("portal listener lost its connection")
            except Exception as error:  # whatever broke, live updates must come back
                log.warning("portal listener failed", error=repr(error))
            self.listening.clear()
            await asyncio.sleep(self.reconnect_seconds)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(self.database_url)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._dispatch)
            self.listening.set()
            # Notifications sent while nobody listened are gone: everyone looks again.
            self._wake_all()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self.health_check_seconds)
                if not lost.is_set():  # a silent network failure shows only when we ask
                    await conn.fetchval("SELECT 1", timeout=self.health_check_seconds)
        finally:
            conn.terminate()


@contextlib.asynccontextmanager
async def listening(database_url: str) -> AsyncIterator[Hub]:
    """Run a hub for as long as the block lasts."""
    hub = Hub(database_url)
    task = asyncio.create_task(hub.run(), name="portal-live-listener")
    try:
        yield hub
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
