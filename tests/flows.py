"""A small solar flow configured through the admin API, as the end-to-end tests need it."""

from dataclasses import dataclass

import httpx

STATES = [("Captación", [("Documentación", "initial-documentation")]),
          ("Oferta", [("Oferta enviada", "offer"), ("Oferta aceptada", None)]),
          ("Instalación", [("Visita", "installer-visit")])]


@dataclass
class Flow:
    opportunity_type_id: str
    substates: dict[str, str]  # internal name → substate id


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def configure_flow(admin: httpx.Client, *, accept_budget: bool = True) -> Flow:
    """Create the flow, name every step, map accept-budget to "Oferta aceptada" (unless not)."""
    ok(admin.put("/v1/portal-settings", json={"locales": ["es", "it"], "default_locale": "es"}))
    created = ok(admin.post("/v1/opportunity-types", json={"name": "Autoconsumo", "states": [
        {"name": state, "substates": [{"name": name} for name, _ in subs]}
        for state, subs in STATES]}), 201)
    type_id = created["opportunity_type_id"]
    substates = {}
    for state, (_, subs) in zip(created["states"], STATES, strict=True):
        ok(admin.put(f"/v1/opportunity-types/{type_id}/states/{state['state_id']}/portal",
                     json={"public_name": {"es": state["name"], "it": f"it:{state['name']}"}}))
        for sub, (name, panel) in zip(state["substates"], subs, strict=True):
            substates[name] = sub["substate_id"]
            ok(admin.put(f"/v1/opportunity-types/{type_id}/substates/{sub['substate_id']}/portal",
                         json={"public_name": {"es": name}, "panel": panel,
                               "description": {"es": f"Paso {name}"}}))
    if accept_budget:
        ok(admin.put(f"/v1/opportunity-types/{type_id}/external-actions/accept-budget",
                     json={"target_substate_id": substates["Oferta aceptada"]}))
    return Flow(type_id, substates)


def open_with_access(admin: httpx.Client, flow: Flow, substate: str,
                     offers: int = 2) -> tuple[str, str, list[str]]:
    """Open an opportunity in `substate`; return its id, the customer token and offer ids."""
    opportunity_id = ok(admin.post("/v1/opportunities", json={
        "opportunity_type_id": flow.opportunity_type_id, "title": "Casa García",
        "substate_id": flow.substates[substate]}), 201)["opportunity_id"]
    offer_ids = [ok(admin.post(f"/v1/opportunities/{opportunity_id}/offers", json={
        "title": f"{kw} kW", "amount": f"{kw * 1500}.00"}), 201)["offer_id"]
        for kw in range(6, 6 + 2 * offers, 2)]
    token = ok(admin.post(f"/v1/opportunities/{opportunity_id}/portal-access"), 201)["token"]
    return opportunity_id, token, offer_ids
