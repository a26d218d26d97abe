"""Admin API: upload documents to share with customers, download any of the org's documents."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile, status
from fastapi.responses import StreamingResponse

from portalflow_config.domain.errors import NotFoundError
from portalflow_config.entrypoints.deps import OpportunityReader, OpportunityWriter, Pool
from portalflow_config.entrypoints.problem_schemas import REFUSALS
from portalflow_contracts.values import DocumentRef
from portalflow_documents import http, uploads
from portalflow_eventing.checked_input import CheckedRoute

router = APIRouter(prefix="/v1/documents", tags=["documents"],
                   route_class=CheckedRoute, responses=REFUSALS)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="upload_document")
async def upload_document(file: UploadFile, caller: OpportunityWriter, pool: Pool,
                          request: Request,
                          opportunity_id: Annotated[str | None, Form()] = None) -> DocumentRef:
    """Upload a PDF, JPEG, PNG, HEIC or WebP file; use its reference in contracts and fields."""
    settings = request.app.state.settings
    async with pool.acquire() as conn:
        return await uploads.store_upload(
            conn, request.app.state.blobs, file, settings.max_upload_bytes,
            org_id=caller.org_id, opportunity_id=opportunity_id, uploaded_by=caller.actor)


@router.get("/{document_id}", operation_id="download_document",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {}}}})
async def download_document(document_id: str, caller: OpportunityReader, pool: Pool,
                            request: Request) -> StreamingResponse:
    """Download one of the org's documents, the customer's uploads included."""
    async with pool.acquire() as conn:
        row = await uploads.find(conn, document_id, caller.org_id)
    blobs = request.app.state.blobs
    if row is None or not await blobs.exists(row["sha256"]):
        raise NotFoundError(f"document {document_id} not found")
    return http.download(blobs, row)
