"""Fixtures the cross-service tests share (the devstack plugin has the servers')."""

import asyncpg
import pytest

from portalflow_eventing.migrations import migrate


@pytest.fixture
async def conn(database):
    """A connection to this test's own database, with the event store's tables."""
    conn = await asyncpg.connect(database)
    await migrate(conn)
    yield conn
    await conn.close()
