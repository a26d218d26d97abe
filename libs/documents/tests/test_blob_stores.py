"""Both blob stores behave alike: the directory, and an S3 bucket on a real S3-protocol server."""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from portalflow_documents.blobs import BlobStore, FilesystemBlobStore, TooLargeError
from portalflow_documents.http import download
from portalflow_documents.settings import DocumentSettings
from portalflow_documents.store import blob_store

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 6000  # 1.5 MB: several chunks, spooled to disk


@dataclass
class Store:
    blobs: BlobStore
    keys: Callable[[], list[str]]  # every object or file the store holds


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for this test session."""
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path, monkeypatch) -> Store:
    """A new, empty store of each kind."""
    if request.param == "filesystem":
        return Store(FilesystemBlobStore(tmp_path),
                     lambda: sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                                    if p.is_file()))
    endpoint = request.getfixturevalue("s3_endpoint")
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"documents-{uuid4().hex[:12]}"
    blobs = blob_store(DocumentSettings(blob_store_url=f"s3://{bucket}/portalflow/blobs/",
                                        s3_endpoint_url=endpoint, s3_region="us-east-1"))
    blobs.client.create_bucket(Bucket=bucket)
    return Store(blobs, lambda: sorted(
        o["Key"] for o in blobs.client.list_objects_v2(Bucket=bucket).get("Contents", [])))


async def chunks(*parts: bytes):
    for part in parts:
        yield part


async def read(blobs: BlobStore, sha256: str) -> list[bytes]:
    return [chunk async for chunk in blobs.open(sha256)]


async def test_the_same_bytes_twice_are_one_blob_named_by_their_digest(store):
    digest, size = await store.blobs.put(chunks(PDF[:1000], PDF[1000:]), limit=len(PDF))
    again, size_again = await store.blobs.put(chunks(PDF), limit=len(PDF))

    assert digest == again == hashlib.sha256(PDF).hexdigest() and size == size_again == len(PDF)
    [key] = store.keys()
    assert key.endswith(f"{digest[:2]}/{digest}")
    assert await store.blobs.exists(digest)


@pytest.mark.parametrize("store", ["s3"], indirect=True)
async def test_the_bucket_gets_no_second_put_for_bytes_it_holds(store):
    puts = []
    store.blobs.client.meta.events.register("before-call.s3.PutObject",
                                            lambda **call: puts.append(call))
    for _ in range(2):
        await store.blobs.put(chunks(PDF), limit=len(PDF))
    assert len(puts) == 1


async def test_open_streams_the_bytes_back_in_chunks(store):
    digest, _ = await store.blobs.put(chunks(PDF), limit=len(PDF))
    parts = await read(store.blobs, digest)
    assert len(parts) > 1 and b"".join(parts) == PDF


async def test_an_upload_over_the_limit_leaves_nothing_behind(store):
    with pytest.raises(TooLargeError):
        await store.blobs.put(chunks(b"a" * 60, b"b" * 60), limit=100)
    assert store.keys() == []
    assert not await store.blobs.exists(hashlib.sha256(b"a" * 60 + b"b" * 60).hexdigest())


async def test_a_missing_blob_is_not_found(store):
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not await store.blobs.exists(missing)
    with pytest.raises(FileNotFoundError):
        await read(store.blobs, missing)


async def test_a_download_streams_the_blob_as_an_attachment_never_sniffed(store):
    digest, size = await store.blobs.put(chunks(PDF), limit=len(PDF))
    app = FastAPI()

    @app.get("/{name}")
    async def serve(name: str):
        return download(store.blobs, {"sha256": digest, "size": size, "file_name": name,
                                      "content_type": "application/pdf"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as web:
        plain, spaced = await web.get("/factura.pdf"), await web.get("/Plano tejado.pdf")
    assert plain.status_code == 200 and plain.content == PDF
    assert plain.headers["content-length"] == str(len(PDF))
    assert plain.headers["content-type"] == "application/pdf"
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert plain.headers["content-disposition"] == 'attachment; filename="factura.pdf"'
    assert spaced.headers["content-disposition"] == (
        "attachment; filename*=utf-8''Plano%20tejado.pdf")


def test_settings_choose_the_store(tmp_path, monkeypatch):
    assert isinstance(blob_store(DocumentSettings(blob_store_path=tmp_path)), FilesystemBlobStore)
    pytest.importorskip("boto3")
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = blob_store(DocumentSettings(blob_store_url="s3://docs", s3_region="eu-west-1"))
    assert (bucket.bucket, bucket.key("ab" + "0" * 62)) == ("docs", "ab/ab" + "0" * 62)
    prefixed = blob_store(DocumentSettings(blob_store_url="s3://docs/a/b/"))
    assert prefixed.key("cd" + "1" * 62) == "a/b/cd/cd" + "1" * 62
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        blob_store(DocumentSettings(blob_store_url="https://docs/a"))

