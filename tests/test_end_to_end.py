"""Both services, the real broker and PostgreSQL, through HTTP only."""

from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually


def current_substate(customer, opportunity_id: str):
    response = customer.get(f"/v1/portal/opportunities/{opportunity_id}")
    if response.status_code == 200 and response.json()["current"]:
        return response.json()["current"]["substate_id"]
    return None


def test_the_customer_accepts_an_offer_and_sees_the_mapped_substate(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, (chosen, other) = open_with_access(admin, flow, "Oferta enviada")
    customer = services.customer(token)

    view = eventually(lambda: ok(customer.get(f"/v1/portal/opportunities/{opportunity_id}"))
                      if current_substate(customer, opportunity_id) else None)
    panel = view["current"]["panel"]
    assert panel["key"] == "offer"
    assert {o["offer_id"] for o in panel["offers"]} == {chosen, other}

    accepted = ok(customer.post(
        f"/v1/portal/opportunities/{opportunity_id}/offers/{chosen}/accept"), 202)
    assert accepted["customer_event_id"]

    eventually(lambda: current_substate(customer, opportunity_id)
               == flow.substates["Oferta aceptada"])
    view = ok(customer.get(f"/v1/portal/opportunities/{opportunity_id}",
                           headers={"Accept-Language": "it, es;q=0.5"}))
    oferta = next(s for s in view["states"] if s["public_name"] == "it:Oferta")
    assert [(s["public_name"], s["status"]) for s in oferta["substates"]] == [
        ("Oferta enviada", "done"), ("Oferta aceptada", "current")]
    assert view["current"]["panel"] is None
    back_office = ok(admin.get(f"/v1/opportunities/{opportunity_id}"))
    assert back_office["offers"] == {chosen: "accepted", other: "rejected"}
