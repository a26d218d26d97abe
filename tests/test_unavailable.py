"""PostgreSQL away: both APIs answer 503 problem details with Retry-After, never a bare 500."""

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
