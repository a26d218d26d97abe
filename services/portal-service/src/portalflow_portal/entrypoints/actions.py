"""The customer API's actions: each answers 202 once its customer event is in the outbox."""

import hashlib
import json
from contextlib import suppress
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, UploadFile, status
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile as FormFile

from portalflow_documents import http as documents
from portalflow_documents.uploads import CHUNK
from portalflow_eventing.checked_input import CheckedRoute
from portalflow_portal.adapters.idempotency import HEADER, IdempotencyKey
from portalflow_portal.application import actions
from portalflow_portal.entrypoints.action_schemas import (
    Accepted,
    ConditionAcceptance,
    DocumentAccepted,
    DrawingAccepted,
    DrawingUpdate,
    FieldValueUpdate,
    StepIncomplete,
)
from portalflow_portal.entrypoints.deps import CorrelationId, Locales, Pool, Token
from portalflow_portal.entrypoints.problem_schemas import ACTIONS

router = APIRouter(prefix="/v1/portal/opportunities/{opportunity_id}", tags=["portal"],
                   route_class=CheckedRoute, responses=ACTIONS)

ACCEPTED = status.HTTP_202_ACCEPTED


async def _idempotency_key(request: Request, key: Annotated[str | None, Header(
        alias=HEADER, min_length=1, max_length=255,
        description="Makes a retry safe: the same key again gets the first answer.")] = None,
) -> IdempotencyKey | None:
    if key is None:
        return None
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # A retried multipart body has a new boundary: hash what it carries instead.
        for name, value in (await request.form()).multi_items():
            digest.update(f"\0{name}\0".encode())
            if isinstance(value, FormFile):
                digest.update(f"{value.filename}\0".encode())
                while chunk := await value.read(CHUNK):
                    digest.update(chunk)
                await value.seek(0)
            else:
                digest.update(value.encode())
    else:
        body = await request.body()
        with suppress(ValueError):  # the same JSON, whatever its spacing and key order
            body = json.dumps(json.loads(body), sort_keys=True).encode()
        digest.update(body)
    return IdempotencyKey(key, digest.hexdigest(),
                          request.app.state.settings.idempotency_key_ttl_seconds)


async def _reader(opportunity_id: str, token: Token, pool: Pool,
            correlation_id: CorrelationId) -> actions.Customer:
    return actions.Customer(pool, token, opportunity_id, correlation_id)


async def _actor(customer: Annotated[actions.Customer, Depends(_reader)], key: Annotated[
        IdempotencyKey | None, Depends(_idempotency_key)]) -> actions.Customer:
    return replace(customer, idempotency=key)


async def _uploads(request: Request) -> actions.Uploads:
    return actions.Uploads(request.app.state.blobs, request.app.state.settings.max_upload_bytes)


Reader = Annotated[actions.Customer, Depends(_reader)]
Actor = Annotated[actions.Customer, Depends(_actor)]
Uploads = Annotated[actions.Uploads, Depends(_uploads)]


@router.put("/fields/{field_id}", status_code=ACCEPTED, operation_id="set_field_value")
async def set_field_value(field_id: str, body: FieldValueUpdate, customer: Actor) -> Accepted:
    """Set (null: clear) an editable field of the current documentation panel."""
    return Accepted(**await actions.set_field_value(customer, field_id, body.value))


@router.post("/fields/{field_id}/document", status_code=ACCEPTED,
             operation_id="upload_field_document")
async def upload_field_document(field_id: str, file: UploadFile, customer: Actor,
                                uploads: Uploads) -> DocumentAccepted:
    """Upload the document of an editable file field of the current documentation panel."""
    return DocumentAccepted(**await actions.upload_document(customer, uploads, field_id, file))


@router.get("/documents/{document_id}", operation_id="download_document",
            response_class=StreamingResponse, responses={
                200: {"content": {"application/pdf": {}, "image/*": {}}}})
async def download_document(document_id: str, customer: Reader,
                            request: Request) -> StreamingResponse:
    """Download a document of this opportunity: the customer's uploads and what is shared."""
    blobs = request.app.state.blobs
    return documents.download(blobs, await actions.find_document(customer, blobs, document_id))


@router.post("/conditions/{condition_id}/accept", status_code=ACCEPTED,
             operation_id="accept_condition")
async def accept_condition(condition_id: str, body: ConditionAcceptance,
                           customer: Actor) -> Accepted:
    """Accept a condition of the current step at its current version."""
    return Accepted(**await actions.accept_condition(customer, condition_id, body.version))


@router.post("/complete", status_code=ACCEPTED, operation_id="complete_step", responses={
    422: {"model": StepIncomplete, "description": "Exactly what is missing."}})
async def complete_step(customer: Actor, locales: Locales, request: Request) -> Accepted:
    """Complete the current documentation step: every required field filled, every condition
    accepted at its current version."""
    return Accepted(**await actions.complete_step(
        customer, locales, request.app.state.settings.default_locale))


@router.put("/drawing", status_code=ACCEPTED, operation_id="submit_drawing")
async def submit_drawing(body: DrawingUpdate, customer: Actor) -> DrawingAccepted:
    """Submit the roof drawing on the drawing panel; the answer gives its area in m²."""
    return DrawingAccepted(**await actions.submit_drawing(customer, body.roof))


@router.post("/offers/{offer_id}/accept", status_code=ACCEPTED, operation_id="accept_offer")
async def accept_offer(offer_id: str, customer: Actor) -> Accepted:
    """Accept an open offer; the opportunity moves on once config-service applies it."""
    return Accepted(**await actions.accept_offer(customer, offer_id))


@router.post("/contracts/{contract_id}/signed", status_code=ACCEPTED,
             operation_id="upload_signed_contract")
async def upload_signed_contract(contract_id: str, file: UploadFile, customer: Actor,
                                 uploads: Uploads) -> DocumentAccepted:
    """Upload the signed copy of a contract shown on the contract-signing panel."""
    return DocumentAccepted(**await actions.upload_signed_contract(
        customer, uploads, contract_id, file))


@router.post("/reactivate", status_code=ACCEPTED, operation_id="request_reactivation")
async def request_reactivation(customer: Actor) -> Accepted:
    """Ask to reactivate the opportunity from the finalization-failed panel."""
    return Accepted(**await actions.request_reactivation(customer))
