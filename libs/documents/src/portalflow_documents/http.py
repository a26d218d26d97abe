"""HTTP answers to refused uploads, the same on every service."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from portalflow_documents.blobs import TooLargeError
from portalflow_documents.uploads import UnsupportedTypeError


def add_error_handlers(app: FastAPI) -> None:
    """413 for an upload over the limit, 415 for bytes of a type not accepted."""

    @app.exception_handler(TooLargeError)
    async def too_large(_: Request, error: TooLargeError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_413_CONTENT_TOO_LARGE)

    @app.exception_handler(UnsupportedTypeError)
    async def unsupported(_: Request, error: UnsupportedTypeError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
