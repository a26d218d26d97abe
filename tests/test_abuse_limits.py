"""Abuse controls, with their limits lowered: requests per caller, live streams per token, and
a service that stops within its bound after SIGTERM even with its broker frozen."""

import contextlib
import signal
import socket
import threading
import time
from uuid import uuid4

import asyncpg
import httpx
import pytest
from flows import configure_flow, open_with_access

from portalflow_devstack.testing import running_services, until

PORTAL = "/v1/portal/opportunities"
CUSTOMER_LIMIT, ADMIN_LIMIT, STREAMS = 6, 40, 2


@pytest.fixture(scope="module")
def limited(stack, tmp_path_factory):
    with running_services(stack, tmp_path_factory.mktemp("limited-logs"),
                          BLOB_STORE_PATH=str(tmp_path_factory.mktemp("blobs")),
                          RATE_LIMIT_CUSTOMER=f"{CUSTOMER_LIMIT}/minute",
                          RATE_LIMIT_ADMIN=f"{ADMIN_LIMIT}/minute",
                          MAX_STREAMS_PER_TOKEN=str(STREAMS)) as running:
        yield running


async def projected(services, opportunity_id: str) -> None:
    """Wait for the portal's read model, without spending the customer's requests on it."""
    conn = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        await until(lambda: conn.fetchval(
            "SELECT count(*) = 1 FROM portal_access WHERE opportunity_id = $1",
            opportunity_id), timeout=30)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def opened(limited):
    admin = limited.admin()
    flow = configure_flow(admin)
    return [open_with_access(admin, flow, "Oferta enviada", offers=0) for _ in range(2)]


async def test_a_customer_token_past_its_rate_gets_429_and_others_do_not(limited, opened):
    (mine, token, _), (theirs, other, _) = opened
    await projected(limited, mine)
    await projected(limited, theirs)
    customer = limited.customer(token)
    assert [customer.get(f"{PORTAL}/{mine}").status_code
            for _ in range(CUSTOMER_LIMIT)] == [200] * CUSTOMER_LIMIT
    refused = customer.get(f"{PORTAL}/{mine}")
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["content-type"] == "application/problem+json"
    assert customer.put(f"{PORTAL}/{mine}/fields/x", json={"value": 1}).status_code == 429
    assert limited.customer(other).get(f"{PORTAL}/{theirs}").status_code == 200


def test_an_admin_subject_past_its_rate_gets_429_and_others_do_not(limited):
    org = f"org-{uuid4().hex[:8]}"
    admin = limited.admin(org)
    assert all(admin.get("/v1/opportunity-types").status_code == 200
               for _ in range(ADMIN_LIMIT))
    refused = admin.get("/v1/opportunity-types")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert limited.admin().get("/v1/opportunity-types").status_code == 200  # another org


async def test_live_streams_per_token_are_capped(limited, opened):
    _, (opportunity_id, token, _) = opened
    await projected(limited, opportunity_id)
    async with httpx.AsyncClient(base_url=limited.portal.url, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"}) as customer:
        url = f"{PORTAL}/{opportunity_id}/events"
        streams = [await customer.send(customer.build_request("GET", url), stream=True)
                   for _ in range(STREAMS)]
        assert [s.status_code for s in streams] == [200] * STREAMS
        over = await customer.get(url)
        assert over.status_code == 429 and over.headers["retry-after"]
        await streams.pop().aclose()

        async def reopened() -> bool:
            again = await customer.send(customer.build_request("GET", url), stream=True)
            if again.status_code == 200:
                streams.append(again)
                return True
            await again.aclose()
            return False

        await until(reopened, timeout=10)  # a closed stream gives its place back
        for stream in streams:
            await stream.aclose()


def trickle(port: int, token: str, stop: threading.Event) -> None:
    """A request whose body comes a byte at a time, slower than anyone would wait for."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"POST /v1/opportunity-types HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     f"{token}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100000\r\n\r\n".encode())
        with contextlib.suppress(OSError):
            while not stop.wait(0.5):
                sock.sendall(b" ")


def test_sigterm_stops_a_service_within_its_bound_whatever_it_is_doing(own_broker, tmp_path):
    bound = 3.0
    with running_services(own_broker, tmp_path, SHUTDOWN_TIMEOUT_SECONDS=str(bound)) as services:
        admin = services.admin()
        flow = configure_flow(admin)
        stop = threading.Event()
        slow = threading.Thread(target=trickle, args=(
            services.config.port, admin.headers["Authorization"].split()[1], stop))
        own_broker.broker.pause()
        try:
            for _ in range(3):  # events the relay cannot publish
                open_with_access(admin, flow, "Documentación", offers=0)
            slow.start()
            time.sleep(0.5)  # the slow request is being served
            process = services.config.process
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            code = process.wait(timeout=bound + 5)
            stopped = time.monotonic() - started
        finally:
            stop.set()
            own_broker.broker.resume()
    assert stopped < bound + 2, stopped
    assert code in (-signal.SIGTERM, 1), code  # its own end, or the watchdog's
