"""The operator CLI against the real broker (and PostgreSQL where it needs one)."""

import io
import json
from dataclasses import dataclass
from uuid import uuid4

import pytest

from portalflow_contracts.envelope import Envelope, to_kafka
from portalflow_contracts.events import opportunity
from portalflow_contracts.topics import PARTITIONS
from portalflow_contracts.values import Cause
from portalflow_eventing import kafka
from portalflow_ops import cli
from portalflow_ops.console import Output


@dataclass
class Ran:
    """What one command line printed, and its exit status."""

    status: int
    out: str
    err: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def ops(stack):
    """Runs `portalflow-ops ARGS...` in this process against the test broker."""

    async def run(*argv: str) -> Ran:
        out, err = io.StringIO(), io.StringIO()
        status = await cli.run([*argv, "--bootstrap-servers", stack.kafka_bootstrap],
                               Output(out, err))
        return Ran(status, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
async def producer(stack):
    await kafka.ensure_topics(stack.kafka_bootstrap, PARTITIONS)
    producer = kafka.producer(stack.kafka_bootstrap)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture
def publish(producer):
    """Publish envelopes to their topics, as the relay does."""

    async def send(*envelopes: Envelope) -> None:
        for envelope in envelopes:
            headers, key, value = to_kafka(envelope)
            await producer.send_and_wait(envelope.topic, value, key, headers=headers)

    return send


@pytest.fixture
def lifecycle():
    """Makes the events of an opportunity opened, moved on by an operator, offered a price."""
    return _lifecycle


def _lifecycle(org_id: str, opportunity_id: str) -> list[Envelope]:
    events = [
        opportunity.OpportunityOpened(opportunity_id=opportunity_id, opportunity_type_id="t-1",
                                      substate_id="s-docs", title="Casa García"),
        opportunity.SubstateChanged(opportunity_id=opportunity_id, from_substate_id="s-docs",
                                    to_substate_id="s-offer",
                                    cause=Cause(kind="operator", reason="papers checked")),
        opportunity.OfferIssued(opportunity_id=opportunity_id, offer_id="offer-6kw",
                                title="6 kW", amount="9000.00", currency="EUR"),
    ]
    return [Envelope.wrap(e, source="ops-test", subject=opportunity_id, org_id=org_id,
                          correlation_id=str(uuid4()), actor="tester") for e in events]


@pytest.fixture
def new_id():
    """Makes an id of this test's own."""
    return lambda prefix: f"{prefix}-{uuid4().hex[:10]}"
