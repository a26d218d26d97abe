"""`rebuild-read-model` refuses topics that hold less than the read model has applied."""

import io
from uuid import uuid4

import asyncpg
import pytest

from portalflow_contracts.topics import PARTITIONS
from portalflow_eventing import kafka
from portalflow_eventing.migrations import migrate
from portalflow_ops import cli, rebuild
from portalflow_ops.console import Output
from portalflow_portal.config import MIGRATIONS


@pytest.fixture
def empty_broker(own_broker) -> str:
    """A broker of this test's own, with nothing on it: one that lost its data."""
    return own_broker.kafka_bootstrap


async def test_a_rebuild_from_topics_that_lost_records_refuses_and_changes_nothing(
        database, empty_broker):
    await kafka.ensure_topics(empty_broker, PARTITIONS)
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, *MIGRATIONS)
        await conn.execute("INSERT INTO portal_settings (org_id, settings) VALUES ($1, '{}')",
                           "org-kept")
        await conn.executemany(
            "INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)",
            [(rebuild.READ_MODEL_GROUP, str(uuid4())) for _ in range(3)])
    finally:
        await conn.close()  # the rebuild refuses a database other sessions use

    out, err = io.StringIO(), io.StringIO()
    status = await cli.run(["rebuild-read-model", "--database-url", database, "--yes",
                            "--bootstrap-servers", empty_broker], Output(out, err))

    assert status == 1
    assert "the topics hold 0 records but the read model has applied 3" in err.getvalue()
    assert "portalflow-config republish" in err.getvalue()
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM portal_settings") == 1
        assert await conn.fetchval("SELECT count(*) FROM processed_events") == 3
    finally:
        await conn.close()
