"""HTTP answers for documents, the same on every service: refused uploads and downloads."""

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from portalflow_documents.blobs import BlobStore, TooLargeError
from portalflow_documents.uploads import UnsupportedTypeError, safe_file_name


def add_error_handlers(app: FastAPI) -> None:
    """413 for an upload over the limit, 415 for bytes of a type not accepted."""

    @app.exception_handler(TooLargeError)
    async def too_large(_: Request, error: TooLargeError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_413_CONTENT_TOO_LARGE)

    @app.exception_handler(UnsupportedTypeError)
    async def unsupported(_: Request, error: UnsupportedTypeError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)


def download(blobs: BlobStore, document: Mapping) -> StreamingResponse:
    """Stream a document (a DocumentRef or its row) as an attachment the browser never sniffs."""
    name = safe_file_name(document["file_name"])
    quoted = quote(name)
    disposition = (f'attachment; filename="{name}"' if quoted == name
                   else f"attachment; filename*=utf-8''{quoted}")
    return StreamingResponse(blobs.open(document["sha256"]), media_type=document["content_type"],
                             headers={"Content-Disposition": disposition,
                                      "Content-Length": str(document["size"]),
                                      "X-Content-Type-Options": "nosniff"})
