"""A content-addressed blob store in an S3-compatible bucket, boto3 calls run in threads."""

import hashlib
import tempfile
from collections.abc import AsyncIterator
from functools import partial
from urllib.parse import urlsplit

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from portalflow_documents.blobs import CHUNK, TooLargeError

SPOOL_IN_MEMORY = 1024 * 1024  # larger uploads spill to a temporary file before the PUT
_MISSING = {"404", "NoSuchKey", "NotFound"}  # without s3:ListBucket, S3 answers 403 instead


class S3BlobStore:
    """Blobs at `s3://bucket/prefix/ab/abcdef…`; writing the same bytes twice keeps one object."""

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None,
                 region: str | None = None) -> "S3BlobStore":
        """The store at `s3://bucket/prefix`; credentials from the standard AWS sources."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"blob_store_url must look like s3://bucket/prefix, not {url!r}")
        config = Config(max_pool_connections=40)  # anyio's default number of worker threads
        if endpoint_url:  # S3-compatible servers may refuse the SDK's default CRC checksums
            config = config.merge(Config(request_checksum_calculation="when_required",
                                         response_checksum_validation="when_required"))
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config)
        return cls(client, parts.netloc, parts.path)

    def key(self, sha256: str) -> str:
        """The object key of the blob with this digest."""
        return "/".join(filter(None, (self.prefix, sha256[:2], sha256)))

    async def put(self, chunks: AsyncIterator[bytes], limit: int) -> tuple[str, int]:
        """Spool and hash `chunks`, then one PUT unless the object is there. TooLargeError
        past `limit`, before anything reaches the bucket."""
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"documents may be at most {limit} bytes")
                digest.update(chunk)
                spool.write(chunk)
            sha256 = digest.hexdigest()
            if not await self.exists(sha256):
                spool.seek(0)
                await anyio.to_thread.run_sync(partial(
                    self.client.put_object, Bucket=self.bucket, Key=self.key(sha256),
                    Body=spool, ContentLength=size))  # a PUT is atomic: all bytes or none
        return sha256, size

    async def open(self, sha256: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; FileNotFoundError when missing."""
        try:
            answer = await anyio.to_thread.run_sync(partial(
                self.client.get_object, Bucket=self.bucket, Key=self.key(sha256)))
        except ClientError as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(self.key(sha256)) from error
            raise
        body = answer["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def exists(self, sha256: str) -> bool:
        """Whether the blob with this digest is in the bucket."""
        try:
            await anyio.to_thread.run_sync(partial(
                self.client.head_object, Bucket=self.bucket, Key=self.key(sha256)))
        except ClientError as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
