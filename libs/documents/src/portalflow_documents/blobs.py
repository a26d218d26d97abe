"""Content-addressed blob stores: each blob is named by its SHA-256; one on the filesystem."""

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import anyio

CHUNK = 256 * 1024


class TooLargeError(Exception):
    """The upload passed the size limit; nothing was kept."""


class BlobStore(Protocol):
    """Where document bytes live, both services reaching the same store."""

    async def put(self, chunks: AsyncIterator[bytes], limit: int) -> tuple[str, int]:
        """Stream `chunks` into the store; return digest and size. TooLargeError past `limit`."""
        ...

    def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks (an async generator); FileNotFoundError when missing."""
        ...

    async def exists(self, sha256: str) -> bool:
        """Whether the blob with this digest is in the store."""
        ...


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

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; FileNotFoundError when missing."""
        async with await anyio.open_file(self.path(sha256), "rb") as blob:
            while chunk := await blob.read(CHUNK):
                yield chunk

    async def exists(self, sha256: str) -> bool:
        """Whether the blob with this digest is in the store."""
        return await anyio.Path(self.path(sha256)).is_file()
