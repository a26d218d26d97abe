"""PostgreSQL away: both APIs answer 503 problem details with Retry-After, never a bare 500."""

import contextlib
import threading
from uuid import uuid4

import httpx
import pytest

from portalflow_devstack.testing import eventually


def ready(service) -> int:
    try:
        return httpx.get(f"{service.url}/readyz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 30
    assert response.json()["status"] == 503 and "database" in response.json()["detail"]


def test_requests_while_postgres_is_stopped_get_503_with_retry_after(services):
    if services.stack.postgres is None:
        pytest.skip("stopping PostgreSQL needs the embedded server")
    admin = services.admin()
    stranger = services.customer(f"not-a-token-{uuid4().hex}")
    view = f"/v1/portal/opportunities/{uuid4()}"
    assert admin.get("/v1/opportunity-types").status_code == 200
    assert stranger.get(view).status_code in (401, 404)

    services.stack.postgres.stop()
    try:
        assert_unavailable(admin.get("/v1/opportunity-types"))
        assert_unavailable(admin.post("/v1/opportunity-types", json={
            "name": "Autoconsumo", "states": [{"name": "A", "substates": [{"name": "a"}]}]}))
        assert_unavailable(stranger.get(view))
        assert_unavailable(stranger.post(f"{view}/complete"))
    finally:
        services.stack.postgres.start()
    eventually(lambda: ready(services.portal) == 200 and ready(services.config) == 200, 30)
    assert admin.get("/v1/opportunity-types").status_code == 200


def test_requests_while_postgres_restarts_get_200_or_503_never_500(services):
    if services.stack.postgres is None:
        pytest.skip("restarting PostgreSQL needs the embedded server")
    admin = services.admin()
    stranger = services.customer(f"not-a-token-{uuid4().hex}")
    answers: list[httpx.Response] = []
    restarted = threading.Event()

    def ask_until_restarted() -> None:
        while not restarted.is_set():
            for request in (lambda: admin.get("/v1/opportunity-types"),
                            lambda: stranger.get(f"/v1/portal/opportunities/{uuid4()}")):
                with contextlib.suppress(httpx.TransportError):
                    answers.append(request())

    asking = threading.Thread(target=ask_until_restarted)
    asking.start()
    try:
        services.stack.postgres.restart()
        eventually(lambda: ready(services.portal) == 200 and ready(services.config) == 200, 30)
    finally:
        restarted.set()
        asking.join()
    assert {r.status_code for r in answers} <= {200, 401, 404, 503}, [
        (r.status_code, r.text) for r in answers if r.status_code >= 500 and r.status_code != 503]
    unavailable = [r for r in answers if r.status_code == 503]
    for response in unavailable:
        assert_unavailable(response)
    assert unavailable, "no request reached the services while PostgreSQL was away"
