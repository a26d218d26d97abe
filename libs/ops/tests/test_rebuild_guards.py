"""`rebuild-read-model` when something is wrong: a refused event, a database still in use, a
connection lost half way."""

import asyncio
import io
import json
from contextlib import contextmanager
from urllib.parse import urlsplit
from uuid import uuid4

import asyncpg
import pytest

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import opportunity
from portalflow_contracts.topics import OPPORTUNITIES
from portalflow_eventing.migrations import migrate
from portalflow_ops import brokers, cli, rebuild
from portalflow_ops.console import Output
from portalflow_portal.config import MIGRATIONS


@pytest.fixture
async def read_model(database) -> str:
    """A migrated portal-service database of this test's own."""
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, *MIGRATIONS)
    finally:
        await conn.close()
    return database


async def test_an_event_the_projection_refuses_is_reported_and_the_others_applied(
        read_model, stack, publish, lifecycle, new_id):
    org, opportunity_id = new_id("org"), new_id("opp")
    opened, moved, offered = lifecycle(org, opportunity_id)
    reopened = Envelope.wrap(  # a second opening of the same opportunity cannot be inserted
        opportunity.OpportunityOpened.model_validate(opened.data), source="ops-test",
        subject=opportunity_id, org_id=org, correlation_id=str(uuid4()))
    await publish(opened, reopened, moved, offered)
    group = new_id("ops-test-read-model")

    report = await rebuild.rebuild_read_model(read_model, stack.kafka_bootstrap, group=group)

    [failure] = [f for f in report.failed if f.org_id == org]
    assert failure.event_id == reopened.id and "UniqueViolation" in failure.error
    conn = await asyncpg.connect(read_model)
    try:
        row = await conn.fetchrow("SELECT substate_id, offers FROM portal_opportunities"
                                  " WHERE opportunity_id = $1", opportunity_id)
        processed = {r["event_id"] for r in await conn.fetch(
            "SELECT event_id FROM processed_events WHERE consumer_group = $1", group)}
    finally:
        await conn.close()
    assert row["substate_id"] == "s-offer" and "offer-6kw" in json.loads(row["offers"])
    assert {opened.id, moved.id, offered.id} <= processed and reopened.id not in processed


async def test_a_rebuild_refuses_while_another_session_uses_the_database(read_model, ops):
    other = await asyncpg.connect(read_model)
    try:
        await other.execute("INSERT INTO portal_settings (org_id, settings) VALUES ($1, '{}')",
                            "org-kept")
        ran = await ops("rebuild-read-model", "--database-url", read_model, "--yes")
        kept = await other.fetchval("SELECT count(*) FROM portal_settings")
    finally:
        await other.close()

    assert ran.status == 1 and "1 other session(s) use the database" in ran.err
    assert kept == 1


async def test_a_database_without_the_read_model_is_refused(database, ops):
    ran = await ops("rebuild-read-model", "--database-url", database, "--yes")

    assert ran.status == 1 and "portalflow-portal migrate" in ran.err


async def test_a_rebuild_that_loses_a_connection_stops_and_leaves_the_group_to_replay(
        read_model, stack, publish, lifecycle, new_id, ops):
    org = new_id("org")
    opportunities = [new_id("opp") for _ in range(120)]  # keys on every partition
    await publish(*[event for o in opportunities for event in lifecycle(org, o)])
    group = new_id("ops-test-read-model")
    # On the server's own database, so that the rebuild finds its database unused.
    watcher = await asyncpg.connect(stack.database_url)
    sessions = "FROM pg_stat_activity WHERE datname = $1"
    dbname = urlsplit(read_model).path.lstrip("/")
    terminated: list[asyncio.Task] = []

    class CutOff(Output):
        """Terminates the newest session of the rebuild once opportunities are applied."""

        @contextmanager
        def progress(self, total: int, unit: str = "events"):
            def advance(n: int, topic: str) -> None:
                if topic == OPPORTUNITIES and not terminated:
                    terminated.append(asyncio.create_task(watcher.fetchval(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (SELECT"
                        f" pid {sessions} ORDER BY backend_start DESC LIMIT 1) newest", dbname)))
            yield advance

    err = io.StringIO()
    try:
        status = await cli.run(["rebuild-read-model", "--database-url", read_model,
                                "--group", group, "--batch-size", "1", "--yes",
                                "--bootstrap-servers", stack.kafka_bootstrap], CutOff(err=err))
        assert await terminated[0] == 1
        left = await watcher.fetchval(f"SELECT count(*) {sessions}", dbname)
    finally:
        await watcher.close()

    assert status == 1 and "the rebuild stopped half way" in err.getvalue(), err.getvalue()
    assert left == 0  # every worker stopped, every connection closed
    async with brokers.connected(stack.kafka_bootstrap) as broker:
        begin, _ = await broker.bounds(await broker.partitions([OPPORTUNITIES]))
    committed = {r["partition"]: r["committed"]
                 for r in (await ops("lag", "--group", group, "--json")).json_lines()
                 if r["topic"] == OPPORTUNITIES}
    assert committed == {tp.partition: offset for tp, offset in begin.items()}

    again = await ops("rebuild-read-model", "--database-url", read_model, "--group", group,
                      "--yes")
    assert "rebuilt" in again.out, again.err
    conn = await asyncpg.connect(read_model)
    try:
        rows = await conn.fetch("SELECT opportunity_id, substate_id FROM portal_opportunities"
                                " WHERE org_id = $1", org)
    finally:
        await conn.close()
    assert sorted((r["opportunity_id"], r["substate_id"]) for r in rows) == [
        (o, "s-offer") for o in sorted(opportunities)]
