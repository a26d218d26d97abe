"""A content-addressed blob store on the filesystem: each blob is named by its SHA-256."""

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path


class TooLargeError(Exception):
    """The upload passed the size limit; nothing was kept."""


class FilesystemBlobStore:
    """Blobs under `root/ab/abcdef…`; writing the same bytes twice keeps one copy."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives."""
        return self.root / sha256[:2] / sha256

    async def put(self, chunks: AsyncIterator[bytes], limit: int) -> tuple[str, int]:
        """Stream `chunks` into the store; return digest and size. TooLargeError past `limit`."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLargeError(f"documents may be at most {limit} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            target = self.path(digest.hexdigest())
            target.parent.mkdir(exist_ok=True)
            os.replace(temporary, target)  # atomic: a reader never sees half a blob
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return digest.hexdigest(), size
