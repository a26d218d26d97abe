"""Body limits in front of a real Starlette app: refused before reading, or as soon as passed."""

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portalflow_eventing.edge import BodyLimit, ResponseDefaults


async def echo_size(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


def limited(limit: int = 100) -> ResponseDefaults:
    app = Starlette(routes=[Route("/json", echo_size, methods=["POST"]),
                            Route("/upload", echo_size, methods=["POST"])])
    return ResponseDefaults(BodyLimit(app, limit, routes=[("POST", "/upload", 1000)]))


async def call(app, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]):
    """The answer, and how many chunks the app asked for."""
    asked, sent = [0], []

    async def receive():
        asked[0] += 1
        if asked[0] > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[asked[0] - 1],
                "more_body": asked[0] < len(chunks)}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": "POST", "path": path, "headers": headers,
               "query_string": b"", "root_path": ""}, receive, send)
    status = sent[0]["status"]
    return status, dict(sent[0]["headers"]), json.loads(sent[1]["body"]), asked[0]


async def test_a_declared_length_over_the_limit_is_refused_unread():
    status, headers, body, asked = await call(limited(), "/json", [b"x" * 200],
                                              [(b"content-length", b"200")])
    assert (status, asked) == (413, 0) and body["limit"] == 100
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"] == b"application/problem+json"


async def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_limit():
    chunks = [b"x" * 40] * 50
    status, _, body, asked = await call(limited(), "/json", chunks,
                                        [(b"transfer-encoding", b"chunked")])
    assert (status, asked) == (413, 3) and "at most 100 bytes" in body["detail"]


async def test_a_content_length_that_lies_is_caught_while_streaming():
    status, _, _, asked = await call(limited(), "/json", [b"x" * 60] * 5,
                                     [(b"content-length", b"50")])
    assert (status, asked) == (413, 2)


@pytest.mark.parametrize(("path", "size", "status"), [
    ("/json", 100, 200), ("/upload", 1000, 200), ("/upload", 1001, 413)])
async def test_each_route_has_its_limit(path, size, status):
    answer, headers, _, _ = await call(limited(), path, [b"x" * size],
                                       [(b"content-length", str(size).encode())])
    assert answer == status
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"x-content-type-options"] == b"nosniff"


async def test_a_malformed_length_is_400():
    status, _, body, _ = await call(limited(), "/json", [b"x"], [(b"content-length", b"1, 1")])
    assert status == 400 and "Content-Length" in body["detail"]
