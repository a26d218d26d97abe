"""Bad input gets a clear refusal that says what was wrong, and changes nothing."""

import asyncpg
import pytest
from flows import configure_flow, ok, open_with_access

from portalflow_config.entrypoints.auth import READ_FLOWS
from portalflow_devstack.testing import eventually


@pytest.fixture(scope="module")
def setup(services):
    admin = services.admin()
    flow = configure_flow(admin)
    return admin, flow


def test_an_invalid_substate_config_gets_422_naming_the_field(services, setup):
    admin, flow = setup
    url = (f"/v1/opportunity-types/{flow.opportunity_type_id}/substates/"
           f"{flow.substates['Documentación']}/portal")

    unknown_panel = admin.put(url, json={"public_name": {"es": "Docs"}, "panel": "roof"})
    assert unknown_panel.status_code == 422
    [error] = unknown_panel.json()["errors"]
    assert error["loc"] == ["body", "panel"] and "initial-documentation" in error["msg"]

    both = admin.put(url, json={"fields": [{"field": "dni", "required": True,
                                            "read_only": True}]})
    assert both.status_code == 422
    assert both.json()["errors"][0]["loc"] == ["body", "fields", 0]
    assert "required and read-only" in both.json()["errors"][0]["msg"]


def test_the_admin_api_needs_a_token_with_the_permission(services, setup):
    _, flow = setup
    anonymous = services.admin()
    del anonymous.headers["Authorization"]
    assert anonymous.post("/v1/opportunity-types", json={}).status_code == 401

    reader = services.admin(permissions=[READ_FLOWS])
    refused = reader.post("/v1/opportunity-types", json={
        "name": "X", "states": [{"name": "S", "substates": [{"name": "s"}]}]})
    assert refused.status_code == 403
    assert "opportunity-states:modify" in refused.json()["detail"]


def test_nothing_of_another_org_is_visible(services, setup):
    _, flow = setup
    stranger = services.admin()  # another org
    assert stranger.get(f"/v1/opportunity-types/{flow.opportunity_type_id}").status_code == 404


def test_a_customer_token_opens_only_its_own_opportunity(services, setup):
    admin, flow = setup
    mine, token, _ = open_with_access(admin, flow, "Oferta enviada")
    theirs, _, _ = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{mine}").status_code == 200)

    assert customer.get(f"/v1/portal/opportunities/{theirs}").status_code == 404
    assert services.customer("not-a-token").get(
        f"/v1/portal/opportunities/{mine}").status_code == 404
    assert services.portal_client().get(f"/v1/portal/opportunities/{mine}").status_code == 401


async def test_accepting_an_offer_off_the_offer_panel_gets_409_and_publishes_nothing(
        services, setup):
    admin, flow = setup
    opportunity_id, token, (offer_id, _) = open_with_access(admin, flow, "Documentación")
    customer = services.customer(token)
    eventually(lambda: customer.get(
        f"/v1/portal/opportunities/{opportunity_id}").status_code == 200)

    refused = customer.post(f"/v1/portal/opportunities/{opportunity_id}/offers/{offer_id}/accept")

    assert refused.status_code == 409
    assert "offer panel" in refused.json()["detail"]
    outbox = await asyncpg.connect(services.portal.env["DATABASE_URL"])
    try:
        assert await outbox.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = $1", opportunity_id) == 0
    finally:
        await outbox.close()
    assert ok(admin.get(f"/v1/opportunities/{opportunity_id}"))["offers"][offer_id] == "open"
