"""Accepting an upload: size limit, type told from the bytes, safe name, a row per document."""

import re
import unicodedata
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
from fastapi import UploadFile

from portalflow_contracts.values import DocumentRef
from portalflow_documents import sniff
from portalflow_documents.blobs import CHUNK, BlobStore


class UnsupportedTypeError(Exception):
    """The bytes are not one of the accepted document types."""


def safe_file_name(name: str | None) -> str:
    """The last path component, printable, at most 255 characters; never empty."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    # Format characters (category Cf) are invisible: bidi overrides and isolates (U+202A–E,
    # U+2066–9), marks and zero-width ones make `invoice<U+202E>fdp.exe` read
    # as `invoiceexe.pdf`.
    name = "".join(char for char in name if unicodedata.category(char) != "Cf")
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "_", name).strip(" .")
    return name[-255:] or "document"


async def store_upload(conn: asyncpg.Connection, blobs: BlobStore, upload: UploadFile,
                       limit: int, *, org_id: str, opportunity_id: str | None,
                       uploaded_by: str) -> DocumentRef:
    """Keep the upload in the blob store and record it; return its reference."""
    head = await upload.read(16)
    kind = sniff.content_type(head)
    if kind is None:
        raise UnsupportedTypeError(
            f"accepted document types are {', '.join(sniff.ACCEPTED)}; these bytes are none")

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        while chunk := await upload.read(CHUNK):
            yield chunk

    sha256, size = await blobs.put(chunks(), limit)
    document = DocumentRef(document_id=str(uuid4()), sha256=sha256, size=size,
                           file_name=safe_file_name(upload.filename), content_type=kind)
    await record(conn, document, org_id=org_id, opportunity_id=opportunity_id,
                 uploaded_by=uploaded_by)
    return document


async def record(conn: asyncpg.Connection, document: DocumentRef, *, org_id: str,
                 opportunity_id: str | None, uploaded_by: str) -> None:
    """Make a document in the blob store known to this service; recording twice is harmless."""
    await conn.execute(
        "INSERT INTO documents (document_id, org_id, opportunity_id, sha256, file_name,"
        " content_type, size, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (document_id) DO NOTHING",
        UUID(document.document_id), org_id, opportunity_id, document.sha256,
        document.file_name, document.content_type, document.size, uploaded_by)


async def find(conn: asyncpg.Connection, document_id: str, org_id: str) -> asyncpg.Record | None:
    """The document's row if it belongs to the org."""
    try:
        key = UUID(document_id)
    except ValueError:
        return None
    return await conn.fetchrow(
        "SELECT * FROM documents WHERE document_id = $1 AND org_id = $2", key, org_id)
