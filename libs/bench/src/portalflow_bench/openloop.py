"""Open-loop customer actions: sends at fixed times, whatever the answers, then waits to see them.

Each action is an accepted offer; it is *visible* when a GET of the customer's view shows the
mapped substate. Latency runs from the scheduled send time, so a generator or server that falls
behind shows up in the figures instead of silently lowering the arrival rate (no coordinated
omission). Times come from perf_counter: uvloop's loop.time() only has millisecond resolution.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from time import perf_counter

import asyncpg

from portalflow_bench.rawhttp import Pool, ProtocolError, encode
from portalflow_portal.adapters import live


class ViewPoller:
    """Visible = a GET of the customer's view shows the target substate; GET every `interval`."""

    def __init__(self, pool: Pool, host: str, interval: float) -> None:
        self.pool, self.host, self.interval, self.polls = pool, host, interval, 0

    async def start(self) -> None:
        pass

    async def wait(self, action: dict, deadline: float) -> float | None:
        raw = encode("GET", action["view"], self.host, action["headers"])
        while perf_counter() < deadline:
            status, body = await self.pool.request(raw)
            self.polls += 1
            if status == 200 and (json.loads(body).get("current") or {}).get(
                    "substate_id") == action["target"]:
                return perf_counter()
            await asyncio.sleep(self.interval)
        return None

    async def stop(self) -> None:
        pass


class ReadModelProbe:
    """Sees when the read-model row the view is rendered from has the target substate.

    It listens to the notification portal-service's projection sends with each commit (what
    wakes the SSE streams) and reads only the rows those name, so its load follows the changes,
    not the number of pending actions; every `sweep` seconds it reads every pending row, in
    case a notification came before the action was pending."""

    def __init__(self, dsn: str, sweep: float) -> None:
        self.dsn, self.sweep, self.polls = dsn, sweep, 0
        self.pending: dict[str, tuple[str, asyncio.Future]] = {}
        self._named: set[str] = set()
        self._woken = asyncio.Event()

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        await self.conn.add_listener(live.CHANNEL, self._on_notify)
        self.task = asyncio.create_task(self._probe())

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload in self.pending:
            self._named.add(payload)
            self._woken.set()

    async def _probe(self) -> None:
        next_sweep = perf_counter() + self.sweep
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), max(0.0, next_sweep - perf_counter()))
            self._woken.clear()
            named, self._named = self._named, set()
            if perf_counter() >= next_sweep:  # due whatever the notifications, even under load
                named, next_sweep = set(self.pending), perf_counter() + self.sweep
            if not named:
                continue
            rows = await self.conn.fetch(
                "SELECT opportunity_id, substate_id FROM portal_opportunities"
                " WHERE opportunity_id = ANY($1::text[])", list(named))
            seen, self.polls = perf_counter(), self.polls + 1
            for row in rows:
                target, future = self.pending.get(row["opportunity_id"], (None, None))
                if future and row["substate_id"] == target:
                    del self.pending[row["opportunity_id"]]
                    future.set_result(seen)

    async def wait(self, action: dict, deadline: float) -> float | None:
        future = asyncio.get_running_loop().create_future()
        self.pending[action["opportunity_id"]] = (action["target"], future)
        try:
            return await asyncio.wait_for(future, max(0.0, deadline - perf_counter()))
        except TimeoutError:
            self.pending.pop(action["opportunity_id"], None)
            return None

    async def stop(self) -> None:
        self.task.cancel()
        await self.conn.close()


class ProbedView:
    """The probe says when to look; a GET of the view confirms it, and its answer is the moment.

    One GET per action, as a customer watching the portal costs at least; polling every view
    every few milliseconds would load the portal more than the actions themselves do.
    """

    def __init__(self, probe: ReadModelProbe, view: ViewPoller) -> None:
        self.probe, self.view = probe, view

    @property
    def polls(self) -> int:
        return self.probe.polls + self.view.polls

    async def start(self) -> None:
        await self.probe.start()

    async def wait(self, action: dict, deadline: float) -> float | None:
        if await self.probe.wait(action, deadline) is None:
            return None
        return await self.view.wait(action, deadline)

    async def stop(self) -> None:
        await self.probe.stop()


def detector(spec: dict, pool: Pool, host: str) -> ViewPoller | ProbedView:
    viewer = ViewPoller(pool, host, spec["poll_ms"] / 1000)
    if spec["watch"] == "view":
        return viewer
    return ProbedView(ReadModelProbe(spec["read_model_dsn"], spec["sweep_ms"] / 1000), viewer)


async def open_loop(spec: dict) -> dict:
    """Send `actions` at `rate` per second; return each one's timings (seconds from the start)."""
    host = f"{spec['host']}:{spec['port']}"
    pool = Pool(spec["host"], spec["port"])
    watcher = detector(spec, pool, host)
    await watcher.start()
    start = perf_counter() + 0.1
    deadline = start + len(spec["actions"]) / spec["rate"] + spec["timeout"]

    async def act(action: dict, due: float) -> dict:
        sent = perf_counter()
        timing = {"due": due - start, "lag_ms": (sent - due) * 1000}
        try:
            status, _ = await pool.request(encode("POST", action["accept"], host,
                                                  action["headers"]))
            timing.update(status=status, post_ms=(perf_counter() - sent) * 1000)
            visible = await watcher.wait(action, deadline) if status == 202 else None
        except (OSError, asyncio.IncompleteReadError, ProtocolError) as error:
            return {**timing, "error": repr(error)}
        return {**timing, "visible_ms": None if visible is None else (visible - due) * 1000}

    tasks = []
    for index, action in enumerate(spec["actions"]):
        due = start + index / spec["rate"]
        await asyncio.sleep(max(0.0, due - perf_counter()))
        tasks.append(asyncio.create_task(act(action, due)))
    results = await asyncio.gather(*tasks)
    await watcher.stop()
    pool.close()
    return {"actions": results, "detector_polls": watcher.polls,
            "elapsed": perf_counter() - start}
