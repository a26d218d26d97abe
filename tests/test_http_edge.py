"""The HTTP edge of both services: heads, bodies and tokens checked before anything is read,
slow clients closed, and the headers every answer carries."""

import socket
from uuid import uuid4

import httpx
import pytest
from edge_http import MIB, Footprint, chunked, parse, push, read_all, request_head
from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually, running_services

PDF = b"%PDF-1.7\n" + b"0" * 2048
PORTAL = "/v1/portal/opportunities"
METRICS_TOKEN = f"metrics-{uuid4().hex}"


@pytest.fixture(scope="module")
def edge(stack, tmp_path_factory):
    """Both services with short head and body timeouts, their temp files in a dir of their own."""
    with running_services(stack, tmp_path_factory.mktemp("edge-logs"),
                          BLOB_STORE_PATH=str(tmp_path_factory.mktemp("blobs")),
                          TMPDIR=str(tmp_path_factory.mktemp("service-tmp")),
                          HTTP_HEAD_TIMEOUT_SECONDS="1", HTTP_BODY_IDLE_TIMEOUT_SECONDS="1",
                          METRICS_TOKEN=METRICS_TOKEN) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin_token(edge) -> str:
    return edge.admin().headers["Authorization"].removeprefix("Bearer ")


# Request heads


def test_a_head_over_its_limit_is_refused_with_431(edge):
    answer = push(edge.portal.port, request_head("GET", "/healthz", {"X-Big": "a" * (64 * 1024)}))
    assert answer.status == 431 and answer.headers["connection"] == "close"
    assert "16384 bytes" in answer.problem()["detail"]

    huge = push(edge.config.port, request_head("GET", "/healthz"
                                              ).replace(b"\r\n\r\n", b"\r\nX-Huge: "),
                body=(b"a" * MIB for _ in range(64)))  # a header that never ends
    assert huge.status == 431


def test_more_headers_than_allowed_get_431_and_fewer_pass(edge):
    many = {f"X-H{i}": "1" for i in range(101)}
    assert push(edge.config.port, request_head("GET", "/healthz", many)).status == 431
    fine = {**{f"X-H{i}": "1" for i in range(90)}, "X-Long": "b" * 15000}
    assert push(edge.config.port, request_head("GET", "/healthz", {
        **fine, "Connection": "close"})).status == 200


# Slow clients


def test_connections_that_never_send_a_whole_head_are_closed(edge):
    silent = [socket.create_connection(("127.0.0.1", edge.portal.port), timeout=15)
              for _ in range(50)]
    slow = socket.create_connection(("127.0.0.1", edge.portal.port), timeout=15)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
    try:
        assert all(read_all(sock) == b"" for sock in silent)  # closed by the server
        late = parse(read_all(slow))
        assert late.status == 408 and "head must arrive" in late.problem()["detail"]
    finally:
        for sock in [*silent, slow]:
            sock.close()


def test_a_body_that_stops_arriving_gets_408(edge):
    with socket.create_connection(("127.0.0.1", edge.config.port), timeout=15) as sock:
        sock.sendall(request_head("POST", "/v1/opportunity-types", {
            **bearer(admin_token(edge)), "Content-Type": "application/json",
            "Content-Length": "100"}) + b'{"name": ')
        answer = parse(read_all(sock))
    assert answer.status == 408 and "body sent nothing" in answer.problem()["detail"]


# Bodies and tokens before reading


def test_a_body_declared_over_the_limit_is_refused_unread(edge):
    pid = edge.config.process.pid
    before = Footprint.of(pid)
    answer = push(edge.config.port, request_head("POST", "/v1/opportunity-types", {
        **bearer(admin_token(edge)), "Content-Type": "application/json",
        "Content-Length": str(1024 * MIB)}), body=(b"0" * MIB for _ in range(1024)))
    assert answer.status == 413 and answer.problem()["limit"] == MIB
    grown = before.growth(pid)
    assert grown.read < 32 * MIB and grown.rss < 32 * MIB, grown


def test_a_streamed_body_is_refused_once_it_passes_the_limit(edge):
    pid = edge.config.process.pid
    before = Footprint.of(pid)
    answer = push(edge.config.port, request_head("POST", "/v1/opportunity-types", {
        **bearer(admin_token(edge)), "Content-Type": "application/json",
        "Transfer-Encoding": "chunked"}), body=chunked(200 * MIB))
    assert answer.status == 413 and answer.headers["connection"] == "close"
    grown = before.growth(pid)
    assert grown.read < 32 * MIB and grown.rss < 32 * MIB, grown


@pytest.mark.parametrize("service", ["config", "portal"])
def test_a_bogus_token_gets_no_body_read_nor_spooled(edge, service):
    process = getattr(edge, service)
    pid = process.process.pid
    uploads = {"config": "/v1/documents",
               "portal": f"{PORTAL}/opp-{uuid4().hex[:8]}/fields/bill/document"}
    json_route = {"config": "/v1/opportunity-types",
                  "portal": f"{PORTAL}/opp-{uuid4().hex[:8]}/fields/dni"}
    refused = {"config": 401, "portal": 404}[service]
    before = Footprint.of(pid)

    upload = push(process.port, request_head("POST", uploads[service], {
        **bearer("bogus"), "Content-Type": "multipart/form-data; boundary=xyz",
        "Transfer-Encoding": "chunked"}), body=multipart_forever(200 * MIB))
    assert upload.status == refused, upload
    big_json = push(process.port, request_head("PUT" if service == "portal" else "POST",
                                               json_route[service], {
        **bearer("bogus"), "Content-Type": "application/json",
        "Transfer-Encoding": "chunked"}), body=chunked(200 * MIB))
    assert big_json.status == refused
    anonymous = push(process.port, request_head("POST", uploads[service], {
        "Content-Type": "multipart/form-data; boundary=xyz", "Transfer-Encoding": "chunked"}),
        body=multipart_forever(200 * MIB))
    assert anonymous.status == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.problem()["status"] == 401

    grown = before.growth(pid)
    # 600 MiB were offered; the body of none was read, kept in memory or spooled to disk.
    assert grown.read < 48 * MIB and grown.written < 8 * MIB and grown.rss < 32 * MIB, grown


def multipart_forever(total: int):
    head = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n")
    yield f"{len(head):x}\r\n".encode() + head + b"\r\n"
    yield from chunked(total)


def test_uploads_within_the_limit_still_work_and_larger_ones_get_413(edge):
    admin = edge.admin()
    stored = ok(admin.post("/v1/documents", files={"file": ("a.pdf", PDF + b"1" * (5 * MIB),
                                                             "application/pdf")}), 201)
    assert stored["size"] == len(PDF) + 5 * MIB
    too_big = admin.post("/v1/documents", files={"file": (
        "b.pdf", PDF + b"1" * (16 * MIB), "application/pdf")})
    assert too_big.status_code == 413


# Correlation ids


def test_correlation_ids_are_bounded_in_length_and_characters(edge):
    client = httpx.Client(base_url=edge.portal.url, timeout=10)
    good = "svc:1234.5-abc_" + "x" * 113
    assert client.get("/healthz", headers={"X-Correlation-Id": good}
                      ).headers["x-correlation-id"] == good
    for bad in ("x" * 129, "a b", "<script>", "ñ"):
        answer = client.get("/healthz", headers={"X-Correlation-Id": bad.encode()})
        assert answer.status_code == 400, bad
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.json()["errors"][0]["loc"] == ["header", "X-Correlation-Id"]
    huge = push(edge.config.port, request_head("GET", "/healthz", {
        "X-Correlation-Id": "x" * (1100 * 1024)}))
    assert huge.status == 431


# Headers of every answer


def test_answers_say_nosniff_and_personal_data_is_never_stored(edge):
    admin = edge.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación", offers=0)
    document = ok(admin.post("/v1/documents", files={"file": ("a.pdf", PDF,
                                                              "application/pdf")}), 201)
    customer = edge.customer(token)
    view = eventually(lambda: (r := customer.get(f"{PORTAL}/{opportunity_id}")
                               ).status_code == 200 and r)
    answers = {
        "portal view": view,
        "admin opportunity": admin.get(f"/v1/opportunities/{opportunity_id}"),
        "admin download": admin.get(f"/v1/documents/{document['document_id']}"),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        assert answer.headers["cache-control"] == "no-store", name
    with customer.stream("GET", f"{PORTAL}/{opportunity_id}/events") as stream:
        assert stream.headers["cache-control"] == "no-store"
    for answer in [*answers.values(), httpx.get(f"{edge.portal.url}/healthz"),
                   httpx.get(f"{edge.config.url}/nowhere"), admin.get("/v1/opportunities/x")]:
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_metrics_need_the_configured_token(edge):
    for service in (edge.config, edge.portal):
        anonymous = httpx.get(f"{service.url}/metrics")
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        assert httpx.get(f"{service.url}/metrics", headers=bearer("wrong")).status_code == 401
        metrics = httpx.get(f"{service.url}/metrics", headers=bearer(METRICS_TOKEN))
        assert metrics.status_code == 200 and "portalflow_http_request" in metrics.text
