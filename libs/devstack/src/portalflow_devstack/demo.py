"""The demo flow of `make run`: a solar sale configured and opened through the admin API only."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .demo_data import (
    BINDINGS,
    CONDITIONS,
    CONTRACT_PDF,
    FIELDS,
    FLOW,
    FLOW_NAME,
    INSTALLER,
    OFFERS,
    OPPORTUNITY_TITLE,
    SETTINGS,
    STATE_LOOKS,
)


class DemoSeedError(RuntimeError):
    """A call of the admin API failed while seeding the demo."""


@dataclass(frozen=True)
class Demo:
    """What `seed_demo` created: the flow, the opportunity, its customer token and offers."""

    opportunity_type_id: str
    opportunity_id: str
    customer_token: str
    offer_ids: list[str]


def _localized(texts: dict) -> dict:
    """`{locale: (name, description)}` as the API's public_name and description."""
    return {"public_name": {loc: name for loc, (name, _) in texts.items()},
            "description": {loc: description for loc, (_, description) in texts.items()}}


def _substates() -> list[tuple]:
    """Every substate of FLOW as (name, panel, actions, texts), in flow order."""
    return [sub for _, _, substates in FLOW for sub in substates]


def _call(client: httpx.Client, method: str, path: str, body: dict | None = None) -> dict:
    response = client.request(method, path, json=body)
    if response.is_error:
        raise DemoSeedError(f"{method} {path} answered {response.status_code}: {response.text}")
    return response.json()


def _catalog(client: httpx.Client) -> tuple[dict[str, str], dict[str, str]]:
    """Save the portal settings, define the fields and publish the conditions; return ids."""
    _call(client, "PUT", "/v1/portal-settings", SETTINGS)
    fields = {key: _call(client, "POST", "/v1/dynamic-fields", {
        "key": key, "label": {"es": es, "it": it}, "type": kind,
        "options": [{"value": v, "label": {"es": o_es, "it": o_it}} for v, o_es, o_it in opts],
    })["field_id"] for key, (es, it, kind, opts) in FIELDS.items()}
    conditions = {key: _call(client, "POST", "/v1/conditions", {
        "title": {"es": t_es, "it": t_it}, "text": {"es": x_es, "it": x_it}})["condition_id"]
        for key, (t_es, t_it, x_es, x_it) in CONDITIONS.items()}
    return fields, conditions


def _portal_config(name: str, panel: str | None, texts: dict, fields: dict[str, str],
                   conditions: dict[str, str]) -> dict:
    bindings, required_conditions = BINDINGS.get(name, ([], []))
    return {**_localized(texts), "panel": panel,
            "fields": [{"field": fields[key], "required": required, "read_only": read_only}
                       for key, required, read_only in bindings],
            "conditions": [conditions[key] for key in required_conditions]}


def _flow(client: httpx.Client, fields: dict[str, str], conditions: dict[str, str]) -> dict:
    """Create the flow, save every state's and substate's portal config, map every action."""
    flow = _call(client, "POST", "/v1/opportunity-types", {"name": FLOW_NAME, "states": [
        {"name": state, "icon": icon, "colour": colour,
         "substates": [{"name": sub[0]} for sub in subs]}
        for (state, _, subs), (icon, colour) in zip(FLOW, STATE_LOOKS, strict=True)]})
    type_path = f"/v1/opportunity-types/{flow['opportunity_type_id']}"
    ids = {sub["name"]: sub["substate_id"] for st in flow["states"] for sub in st["substates"]}
    for (_, state_texts, substates), state in zip(FLOW, flow["states"], strict=True):
        _call(client, "PUT", f"{type_path}/states/{state['state_id']}/portal",
              _localized(state_texts))
        for name, panel, actions, texts in substates:
            if texts:
                _call(client, "PUT", f"{type_path}/substates/{ids[name]}/portal",
                      _portal_config(name, panel, texts, fields, conditions))
            for action in actions:
                _call(client, "PUT", f"{type_path}/external-actions/{action}",
                      {"target_substate_id": ids[name]})
    return {"opportunity_type_id": flow["opportunity_type_id"], "substates": ids}


def _opportunity(client: httpx.Client, flow: dict, fields: dict[str, str]) -> Demo:
    """Open the demo opportunity and bring it to the offer panel, as a salesperson would."""
    opportunity = _call(client, "POST", "/v1/opportunities", {
        "opportunity_type_id": flow["opportunity_type_id"], "title": OPPORTUNITY_TITLE,
        "locale": "es"})
    path = f"/v1/opportunities/{opportunity['opportunity_id']}"
    _call(client, "PUT", f"{path}/fields/{fields['contracted-power']}", {"value": 4.6})
    _call(client, "PUT", f"{path}/fields/{fields['roof-type']}", {"value": "tile"})
    _call(client, "PUT", f"{path}/installer", INSTALLER)
    response = client.post("/v1/documents", files={
        "file": ("Contrato García.pdf", CONTRACT_PDF, "application/pdf")},
        data={"opportunity_id": opportunity["opportunity_id"]})
    if response.is_error:
        raise DemoSeedError(f"POST /v1/documents answered {response.status_code}: "
                            f"{response.text}")
    _call(client, "POST", f"{path}/contracts", {
        "title": "Contrato de instalación", "document_id": response.json()["document_id"]})
    offer_substate = next(name for name, panel, *_ in _substates() if panel == "offer")
    _call(client, "POST", f"{path}/substate", {
        "substate_id": flow["substates"][offer_substate], "reason": "Demo: oferta preparada"})
    offer_ids = [_call(client, "POST", f"{path}/offers", offer)["offer_id"] for offer in OFFERS]
    access = _call(client, "POST", f"{path}/portal-access")
    return Demo(flow["opportunity_type_id"], opportunity["opportunity_id"], access["token"],
                offer_ids)


def seed_demo(config_url: str, token: str) -> Demo:
    """Configure the org and the solar flow, open an opportunity on the offer panel."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=config_url, headers=headers, timeout=15) as client:
        fields, conditions = _catalog(client)
        return _opportunity(client, _flow(client, fields, conditions), fields)
