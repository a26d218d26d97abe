"""HTTP answers for documents, the same on every service: refused uploads and downloads."""

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import status
from fastapi.responses import StreamingResponse

from portalflow_documents.blobs import BlobStore, TooLargeError
from portalflow_documents.uploads import UnsupportedTypeError, safe_file_name

ERROR_STATUSES = {TooLargeError: status.HTTP_413_CONTENT_TOO_LARGE,
                  UnsupportedTypeError: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE}
"""The status of each refused upload, the same on every service (for problems.install)."""


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
