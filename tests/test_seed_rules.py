"""The seed's rules as a back-office user and a customer meet them through the two APIs."""

from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually


def refused_at(response) -> list[list]:
    """Where a 422 says the request is wrong."""
    assert response.status_code == 422, response.text
    body = response.json()
    return [problem["loc"] for problem in body.get("errors") or body["detail"]]


def test_a_field_or_condition_bound_twice_is_refused_naming_it(services):
    admin = services.admin()
    flow = configure_flow(admin)
    dni = ok(admin.post("/v1/dynamic-fields", json={"key": "dni", "label": {"es": "DNI"},
                                                    "type": "text"}), 201)["field_id"]
    privacy = ok(admin.post("/v1/conditions", json={"title": {"es": "Privacidad"},
                                                    "text": {"es": "Acepto."}}),
                 201)["condition_id"]
    url = (f"/v1/opportunity-types/{flow.opportunity_type_id}/substates/"
           f"{flow.substates['Documentación']}/portal")
    base = {"public_name": {"es": "Documentación"}, "panel": "initial-documentation"}

    twice = admin.put(url, json={**base, "fields": [{"field": dni, "read_only": True},
                                                    {"field": dni, "required": True}]})
    assert refused_at(twice) == [["body", "fields", 1, "field"]]
    twice = admin.put(url, json={**base, "conditions": [privacy, privacy]})
    assert refused_at(twice) == [["body", "conditions", 1]]
    offer_url = url.replace(flow.substates["Documentación"], flow.substates["Oferta enviada"])
    required = admin.put(offer_url, json={"panel": "offer", "public_name": {"es": "Oferta"},
                                          "fields": [{"field": dni, "required": True}]})
    assert refused_at(required) == [["body", "fields", 0, "required"]]
    ok(admin.put(offer_url, json={"panel": "offer", "public_name": {"es": "Oferta"},
                                  "fields": [{"field": dni, "read_only": True}]}))


def test_an_opportunity_speaks_one_of_the_orgs_locales(services):
    admin = services.admin()
    flow = configure_flow(admin)  # locales es and it
    french = admin.post("/v1/opportunities", json={
        "opportunity_type_id": flow.opportunity_type_id, "title": "Maison", "locale": "fr"})
    assert refused_at(french) == [["body", "locale"]]


def test_an_accepted_offer_shows_at_once_and_a_second_acceptance_is_refused_at_once(services):
    admin = services.admin()
    flow = configure_flow(admin, accept_budget=False)  # the opportunity stays on the offers
    opportunity_id, token, (first, second) = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)
    view_url = f"/v1/portal/opportunities/{opportunity_id}"
    eventually(lambda: customer.get(view_url).status_code == 200)

    def statuses() -> dict[str, str]:
        offers = ok(customer.get(view_url))["current"]["panel"]["offers"]
        return {o["offer_id"]: o["status"] for o in offers}

    ok(customer.post(f"{view_url}/offers/{first}/accept"), 202)
    assert statuses() == {first: "accepted", second: "rejected"}
    again = customer.post(f"{view_url}/offers/{second}/accept")
    assert again.status_code == 409, again.text

    eventually(lambda: ok(admin.get(f"/v1/opportunities/{opportunity_id}"))["offers"] == {
        first: "accepted", second: "rejected"})
    assert statuses() == {first: "accepted", second: "rejected"}


def test_a_mapping_is_cleared_unless_a_panel_needs_it(services):
    admin = services.admin()
    flow = configure_flow(admin)
    actions = f"/v1/opportunity-types/{flow.opportunity_type_id}/external-actions"
    docs = flow.substates["Documentación"]
    ok(admin.put(f"{actions}/initial-documentation-completed",
                 json={"target_substate_id": flow.substates["Oferta enviada"]}))

    needed = admin.delete(f"{actions}/initial-documentation-completed")
    assert needed.status_code == 409, needed.text
    assert needed.json()["references"] == {"substates": [docs]}
    cleared = ok(admin.delete(f"{actions}/accept-budget"))
    assert "accept-budget" not in cleared["external_actions"]
    assert admin.delete(f"{actions}/accept-budget").status_code == 404
