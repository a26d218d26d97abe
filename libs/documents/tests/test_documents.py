"""Documents: the type comes from the bytes, names are made safe, blobs are content addressed."""

import hashlib

import pytest

from portalflow_documents import sniff
from portalflow_documents.blobs import FilesystemBlobStore, TooLargeError
from portalflow_documents.uploads import safe_file_name

SAMPLES = {
    b"%PDF-1.7\n%\xe2\xe3": "application/pdf",
    b"\xff\xd8\xff\xe0\x00\x10JFIF": "image/jpeg",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR": "image/png",
    b"RIFF\x24\x00\x00\x00WEBPVP8 ": "image/webp",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00": "image/heic",
}


@pytest.mark.parametrize(("head", "expected"), SAMPLES.items())
def test_accepted_types_are_told_from_their_first_bytes(head, expected):
    assert sniff.content_type(head) == expected


@pytest.mark.parametrize("head", [b"MZ\x90\x00", b"<html><body>", b"PK\x03\x04", b""])
def test_anything_else_is_refused_whatever_its_name(head):
    assert sniff.content_type(head) is None


@pytest.mark.parametrize(("given", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\ana\\DNI.pdf", "DNI.pdf"),
    ("factura\x00.pdf", "factura_.pdf"),
    ("..", "document"),
    (None, "document"),
    ("x" * 300 + ".pdf", ("x" * 300 + ".pdf")[-255:]),
])
def test_file_names_are_made_safe(given, safe):
    assert safe_file_name(given) == safe


async def chunks(*parts: bytes):
    for part in parts:
        yield part


async def test_blobs_are_stored_once_under_their_digest(tmp_path):
    store = FilesystemBlobStore(tmp_path)
    digest, size = await store.put(chunks(b"%PDF-", b"body"), limit=100)
    again, _ = await store.put(chunks(b"%PDF-body"), limit=100)
    assert digest == again == hashlib.sha256(b"%PDF-body").hexdigest() and size == 9
    assert store.path(digest).read_bytes() == b"%PDF-body"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]


async def test_an_upload_over_the_limit_leaves_nothing_behind(tmp_path):
    store = FilesystemBlobStore(tmp_path)
    with pytest.raises(TooLargeError):
        await store.put(chunks(b"a" * 60, b"b" * 60), limit=100)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
