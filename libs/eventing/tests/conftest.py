from uuid import uuid4

import asyncpg
import pytest

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.opportunity import OfferIssued
from portalflow_eventing import kafka
from portalflow_eventing.migrations import migrate


@pytest.fixture
async def pool(database):
    """A pool on this test's own database, with the event-store tables."""
    pool = await asyncpg.create_pool(database, min_size=1, max_size=12)
    async with pool.acquire() as conn:
        await migrate(conn)
    yield pool
    await pool.close()


@pytest.fixture
async def producer(stack):
    producer = kafka.producer(stack.kafka_bootstrap)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
def offer_issued():
    """Makes the n-th event of an opportunity stream."""

    def make(opportunity_id: str, n: int = 1) -> Envelope:
        event = OfferIssued(opportunity_id=opportunity_id, offer_id=f"offer-{n}", title=f"#{n}",
                            amount="1000", currency="EUR")
        return Envelope.wrap(event, source="test", subject=opportunity_id, org_id="test-org",
                             correlation_id=str(uuid4()))

    return make
