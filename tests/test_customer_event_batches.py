"""Customer events applied together, as config-service's consumer applies a batch of them: on
the service's real event store, each action decided on what the ones before it did, and what
they cause appended at the next versions of each opportunity, in order."""

from uuid import uuid4

import asyncpg
import pytest
from flows import ok
from test_portal_actions import Org, configure

from portalflow_config.application.customer_actions import apply_customer_events
from portalflow_config.domain.errors import NotFoundError
from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events.customer import (
    CustomerAcceptedCondition,
    CustomerCompletedStep,
    CustomerSetFieldValue,
    CustomerUploadedDocument,
)
from portalflow_contracts.values import DocumentRef, PanelKey

DOCS = "Documentación"


def open_in_docs(org: Org) -> str:
    return ok(org.admin.post("/v1/opportunities", json={
        "opportunity_type_id": org.type_id, "title": "Casa García",
        "substate_id": org.substates[DOCS]}), 201)["opportunity_id"]


async def stream(conn: asyncpg.Connection, opportunity_id: str) -> list[tuple[int, str]]:
    rows = await conn.fetch("SELECT version, type FROM events WHERE stream_id = $1"
                            " ORDER BY position", opportunity_id)
    return [(r["version"], r["type"].removeprefix("portalflow.opportunity.").removesuffix(".v1"))
            for r in rows]


async def test_a_batch_is_decided_action_after_action_and_appended_in_order(services):
    org = configure(services)
    complete, incomplete = open_in_docs(org), open_in_docs(org)
    conn = await asyncpg.connect(services.config.env["DATABASE_URL"])
    try:
        org_id = await conn.fetchval("SELECT org_id FROM events WHERE stream_id = $1", complete)
        before = {o: len(await stream(conn, o)) for o in (complete, incomplete)}
        bill = DocumentRef(document_id=str(uuid4()), sha256="b" * 64, file_name="factura.pdf",
                           content_type="application/pdf", size=2048)

        def customer(opportunity_id: str, action, **data) -> Envelope:
            event = action(opportunity_id=opportunity_id, substate_id=org.substates[DOCS],
                           **data)
            return Envelope.wrap(event, source="portal-service", subject=opportunity_id,
                                 org_id=org_id, correlation_id=str(uuid4()), actor="customer")

        done = dict(panel=PanelKey.INITIAL_DOCUMENTATION)
        async with conn.transaction():
            await apply_customer_events(conn, [
                customer(complete, CustomerSetFieldValue, field_id=org.fields["dni"],
                         value="X1234567L"),
                customer(incomplete, CustomerSetFieldValue, field_id=org.fields["dni"],
                         value="Y7654321M"),
                customer(complete, CustomerUploadedDocument, field_id=org.fields["bill"],
                         document=bill),
                customer(complete, CustomerAcceptedCondition, condition_id=org.privacy,
                         version=1),
                customer(complete, CustomerCompletedStep, **done),
                customer(incomplete, CustomerCompletedStep, **done)])

        n = before[complete]
        assert (await stream(conn, complete))[n:] == [
            (n + 1, "field-value-set"), (n + 2, "field-value-set"),
            (n + 3, "condition-accepted"), (n + 4, "step-completed"),
            (n + 5, "substate-changed")]
        n = before[incomplete]
        assert (await stream(conn, incomplete))[n:] == [
            (n + 1, "field-value-set"), (n + 2, "customer-action-rejected")]
        assert await conn.fetchval("SELECT opportunity_id FROM documents WHERE document_id = $1",
                                   bill.document_id) == complete
    finally:
        await conn.close()
    shown = ok(org.admin.get(f"/v1/opportunities/{complete}"))
    assert shown["substate_id"] == org.substates["Revisión"]


async def test_a_batch_naming_an_opportunity_of_another_org_fails_whole(services):
    org = configure(services)
    opportunity_id = open_in_docs(org)
    conn = await asyncpg.connect(services.config.env["DATABASE_URL"])
    try:
        org_id = await conn.fetchval("SELECT org_id FROM events WHERE stream_id = $1",
                                     opportunity_id)
        before = await stream(conn, opportunity_id)
        batch = [Envelope.wrap(CustomerAcceptedCondition(
            opportunity_id=opportunity_id, condition_id=org.privacy, version=1),
            source="portal-service", subject=opportunity_id, org_id=owner,
            correlation_id=str(uuid4()), actor="customer") for owner in (org_id, "other-org")]
        with pytest.raises(NotFoundError, match=f"opportunity {opportunity_id} not found"):
            async with conn.transaction():
                await apply_customer_events(conn, batch)
        assert await stream(conn, opportunity_id) == before
    finally:
        await conn.close()
