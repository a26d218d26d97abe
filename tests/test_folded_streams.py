"""Opportunity types kept folded between loads, on a real event store: a load folds only what
was appended since, and never keeps what a rolled-back transaction appended."""

from uuid import uuid4

import asyncpg
import pytest

from portalflow_config.adapters.repository import FoldedStreams, load
from portalflow_config.domain import flow
from portalflow_config.domain.errors import NotFoundError
from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.flow import OpportunityTypeCreated, OpportunityTypeRenamed
from portalflow_eventing import store

ORG = "org-folded"


async def append(conn: asyncpg.Connection, type_id: str, version: int, event) -> None:
    envelope = Envelope.wrap(event, source="test", subject=type_id, org_id=ORG,
                             correlation_id=str(uuid4()))
    await store.append(conn, type_id, [envelope], expected_version=version - 1)


async def created(conn: asyncpg.Connection) -> str:
    type_id = str(uuid4())
    await append(conn, type_id, 1, OpportunityTypeCreated(
        opportunity_type_id=type_id, name="Autoconsumo", states=()))
    return type_id


async def test_a_load_folds_what_was_appended_since_the_last_one(conn):
    flows = FoldedStreams(flow.evolve, "opportunity type")
    type_id = await created(conn)
    assert (await flows.load(conn, type_id, ORG))[0].name == "Autoconsumo"
    for version, name in enumerate(("Baterías", "Aerotermia"), start=2):
        await append(conn, type_id, version, OpportunityTypeRenamed(
            opportunity_type_id=type_id, name=name))
    kept = await flows.load(conn, type_id, ORG)
    assert kept == await load(conn, type_id, ORG, flow.evolve, "opportunity type")
    assert (kept[0].name, kept[1]) == ("Aerotermia", 3)


async def test_what_a_rolled_back_transaction_appended_is_folded_anew(conn):
    flows = FoldedStreams(flow.evolve, "opportunity type")
    type_id = await created(conn)
    transaction = conn.transaction()
    await transaction.start()
    await append(conn, type_id, 2, OpportunityTypeRenamed(opportunity_type_id=type_id,
                                                          name="Nunca"))
    assert (await flows.load(conn, type_id, ORG))[0].name == "Nunca"
    await transaction.rollback()
    await append(conn, type_id, 2, OpportunityTypeRenamed(opportunity_type_id=type_id,
                                                          name="Baterías"))
    state, version = await flows.load(conn, type_id, ORG)
    assert (state.name, version) == ("Baterías", 2)


async def test_a_kept_stream_is_not_found_for_another_org(conn):
    flows = FoldedStreams(flow.evolve, "opportunity type")
    type_id = await created(conn)
    await flows.load(conn, type_id, ORG)
    with pytest.raises(NotFoundError):
        await flows.load(conn, type_id, "org-other")
    with pytest.raises(NotFoundError):
        await flows.load(conn, str(uuid4()), ORG)
