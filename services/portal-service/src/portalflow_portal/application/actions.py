"""The customer's actions: checked against the current step, then emitted through the outbox.

Every action runs in one transaction that locks the opportunity's row, checks the action
against the current substate, appends the customer event (config-service applies it), updates
the read model where the customer must see their write at once, and keeps the answer for a
retry with the same Idempotency-Key: all of it commits, or none of it.
"""

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

import asyncpg
from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import customer as events
from portalflow_contracts.values import PanelKey
from portalflow_documents.blobs import BlobStore
from portalflow_documents.uploads import store_upload
from portalflow_portal.adapters import action_store, idempotency, live
from portalflow_portal.adapters.idempotency import IdempotencyKey
from portalflow_portal.domain import actions, drawing, field_state
from portalflow_portal.domain.actions import Situation
from portalflow_portal.domain.errors import NotFoundError
from portalflow_portal.domain.locales import preferred

SOURCE = "portal-service"


@dataclass(frozen=True)
class Customer:
    """Who acts on which opportunity; `idempotency` tells a retry from a new request."""

    pool: asyncpg.Pool
    token: str
    opportunity_id: str
    correlation_id: str
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class Uploads:
    """Where uploaded documents go and how large they may be."""

    blobs: BlobStore
    limit: int


Record = Callable[[asyncpg.Connection, int], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    """What an action decided: its customer event, the read-model write the customer sees at
    once (given the event's outbox position), and what the answer adds to the event id."""

    event: events.CustomerEvent
    record: Record | None = None
    answer: dict = field(default_factory=dict)


Decide = Callable[[asyncpg.Connection, Situation], Awaitable[Outcome]]


async def _act(customer: Customer, decide: Decide, *, field_ids: Collection[str] = (),
               condition_ids: Collection[str] = ()) -> dict:
    """Run one action; the catalog entries of `field_ids` and `condition_ids` are loaded too."""
    async with customer.pool.acquire() as conn, conn.transaction():
        opportunity = await _opportunity(conn, customer, field_ids=field_ids,
                                         condition_ids=condition_ids, for_update=True)
        key = customer.idempotency
        if key and (answer := await idempotency.replay(conn, customer.opportunity_id, key)):
            return answer
        situation = Situation(opportunity, opportunity["definition"],
                              fields=opportunity["catalog_fields"],
                              conditions=opportunity["catalog_conditions"],
                              settings=opportunity["settings"])
        outcome = await decide(conn, situation)
        envelope = Envelope.wrap(outcome.event, source=SOURCE, subject=customer.opportunity_id,
                                 org_id=opportunity["org_id"],
                                 correlation_id=customer.correlation_id,
                                 actor=f"customer:{customer.opportunity_id}")
        answer = {"customer_event_id": envelope.id, **outcome.answer}
        if key:
            await idempotency.remember(conn, customer.opportunity_id, key, answer)
        if outcome.record:
            await live.notify(conn, customer.opportunity_id)  # the customer's other tabs
        # The append takes the append lock, which every action waits for until its holder
        # commits: only what needs the event's position comes after it.
        position = await action_store.append(conn, envelope)
        if outcome.record:
            await outcome.record(conn, position)
        return answer


async def _opportunity(conn: asyncpg.Connection, customer: Customer, *,
                       field_ids: Collection[str] = (), condition_ids: Collection[str] = (),
                       for_update: bool = False) -> dict:
    """The opportunity the customer's token opens, with what its actions are checked against
    (see action_store.load); NotFoundError for any other."""
    opportunity = await action_store.load(conn, customer.token, customer.opportunity_id,
                                          field_ids=field_ids, condition_ids=condition_ids,
                                          for_update=for_update)
    if opportunity is None:
        raise NotFoundError(f"opportunity {customer.opportunity_id} not found for this "
                            "access token")
    return opportunity


def _about(situation: Situation) -> dict:
    """What every customer event says: whose opportunity, in which substate."""
    return {"opportunity_id": situation.opportunity["opportunity_id"],
            "substate_id": situation.substate_id}


def _field_written(situation: Situation, field_id: str, value: object) -> Record:
    async def record(conn: asyncpg.Connection, position: int) -> None:
        state = situation.opportunity["fields"].get(field_id)
        await action_store.set_in(conn, situation.opportunity["opportunity_id"], "fields",
                                  [field_id], field_state.customer_wrote(state, value, position))
    return record


async def _store(conn: asyncpg.Connection, uploads: Uploads, file: UploadFile,
                 situation: Situation) -> dict:
    opportunity_id = situation.opportunity["opportunity_id"]
    document = await store_upload(conn, uploads.blobs, file, uploads.limit,
                                  org_id=situation.opportunity["org_id"],
                                  opportunity_id=opportunity_id,
                                  uploaded_by=f"customer:{opportunity_id}")
    return document.model_dump(mode="json")


async def set_field_value(customer: Customer, field_id: str, value: object) -> dict:
    """Set (or clear, with None) an editable field of the current documentation panel."""
    async def decide(_: asyncpg.Connection, situation: Situation) -> Outcome:
        stored = actions.value_to_set(field_id, actions.field_to_set(situation, field_id), value)
        return Outcome(events.CustomerSetFieldValue(**_about(situation), field_id=field_id,
                                                    value=stored),
                       _field_written(situation, field_id, stored))
    return await _act(customer, decide, field_ids=[field_id])


async def upload_document(customer: Customer, uploads: Uploads, field_id: str,
                          file: UploadFile) -> dict:
    """Upload the document of an editable file field of the current documentation panel."""
    async def decide(conn: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.file_field_to_upload(situation, field_id)
        document = await _store(conn, uploads, file, situation)
        return Outcome(events.CustomerUploadedDocument(**_about(situation), field_id=field_id,
                                                       document=document),
                       _field_written(situation, field_id, document), {"document": document})
    return await _act(customer, decide, field_ids=[field_id])


async def accept_condition(customer: Customer, condition_id: str, version: int) -> dict:
    """Accept a condition of the current step at its current version."""
    async def decide(_: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.condition_to_accept(situation, condition_id, version)

        async def record(conn: asyncpg.Connection, __: int) -> None:
            await action_store.set_in(conn, customer.opportunity_id, "accepted_conditions",
                                      [condition_id], version)
        return Outcome(events.CustomerAcceptedCondition(**_about(situation),
                                                        condition_id=condition_id,
                                                        version=version), record)
    return await _act(customer, decide, condition_ids=[condition_id])


async def complete_step(customer: Customer, locales: Sequence[str],
                        default_locale: str) -> dict:
    """Complete the current documentation step once nothing it asks for is missing."""
    async def decide(_: asyncpg.Connection, situation: Situation) -> Outcome:
        wanted = preferred(locales, situation.opportunity["locale"], situation.settings,
                           default_locale)
        panel = actions.step_to_complete(situation, wanted)
        return Outcome(events.CustomerCompletedStep(**_about(situation), panel=panel))
    return await _act(customer, decide)


async def checked_roof(roof: object) -> tuple[dict, float]:
    """drawing.checked_roof in a worker thread: other customers' requests go on meanwhile."""
    return await run_in_threadpool(drawing.checked_roof, roof)


async def submit_drawing(customer: Customer, roof: object) -> dict:
    """Submit the roof drawing on the drawing panel; the answer carries its area."""
    async def decide(_: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.require_panel(situation, {PanelKey.DRAWING}, "the roof can be drawn")
        checked, area = await checked_roof(roof)

        async def record(conn: asyncpg.Connection, __: int) -> None:
            await action_store.set_drawing(conn, customer.opportunity_id,
                                           {"roof": checked, "roof_area_m2": area})
        return Outcome(events.CustomerSubmittedDrawing(**_about(situation), roof=checked,
                                                       roof_area_m2=area),
                       record, {"roof_area_m2": area})
    return await _act(customer, decide)


async def accept_offer(customer: Customer, offer_id: str) -> dict:
    """Accept an open offer; the opportunity moves on once config-service applies it."""
    async def decide(conn: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.offer_to_accept(situation, offer_id)
        # Seen at once, as config-service will decide it: this one accepted, the other open
        # ones declined, until its echo confirms them or a refusal opens them again. Written
        # before the append, so the append lock is not held for it; one acceptance at most is
        # pending, since every offer is decided meanwhile.
        await action_store.merge_offers(conn, customer.opportunity_id, {
            other: {"status": "accepted" if other == offer_id else "rejected", "pending": True}
            for other, offer in situation.opportunity["offers"].items()
            if other == offer_id or offer["status"] == "open"})
        await live.notify(conn, customer.opportunity_id)  # the customer's other tabs
        return Outcome(events.CustomerAcceptedOffer(**_about(situation), offer_id=offer_id))
    return await _act(customer, decide)


async def upload_signed_contract(customer: Customer, uploads: Uploads, contract_id: str,
                                 file: UploadFile) -> dict:
    """Upload the signed copy of a contract shown on the contract-signing panel."""
    async def decide(conn: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.contract_to_sign(situation, contract_id)
        document = await _store(conn, uploads, file, situation)

        async def record(conn: asyncpg.Connection, __: int) -> None:
            await action_store.set_in(conn, customer.opportunity_id, "contracts",
                                      [contract_id, "signed_document"], document)
        return Outcome(events.CustomerUploadedSignedContract(
            **_about(situation), contract_id=contract_id, document=document),
            record, {"document": document})
    return await _act(customer, decide)


async def request_reactivation(customer: Customer) -> dict:
    """Ask to reactivate a failed opportunity, when the org offers it."""
    async def decide(_: asyncpg.Connection, situation: Situation) -> Outcome:
        actions.reactivation(situation)
        return Outcome(events.CustomerRequestedReactivation(**_about(situation)))
    return await _act(customer, decide)


async def find_document(customer: Customer, blobs: BlobStore, document_id: str) -> dict:
    """A document of this opportunity whose bytes are in the store; NotFoundError for any other.

    The customer's own uploads for it, and what its fields and contracts reference (the
    back office shares a file through a read-only file field).
    """
    async with customer.pool.acquire() as conn:
        opportunity = await _opportunity(conn, customer)
        document = (await action_store.uploaded_document(
            conn, opportunity["org_id"], customer.opportunity_id, document_id)
            or actions.shared_document(opportunity, document_id))
    if document is None or not await blobs.exists(document["sha256"]):
        raise NotFoundError(f"document {document_id} not found")
    return document
