"""What the current substate shows: its bound fields, its panel's payload, conditions to accept.

Every function here is pure: it reads the projected opportunity, the org's catalog entries and
portal settings as plain JSON documents and returns JSON documents.
"""

from collections.abc import Callable, Mapping, Sequence

from portalflow_contracts.values import DOCUMENTATION_PANELS, FieldType, PanelKey
from portalflow_portal.domain import field_state
from portalflow_portal.domain.locales import localize

DOCUMENT_PATH = "/v1/portal/opportunities/{opportunity_id}/documents/{document_id}"


def document(opportunity_id: str, ref: dict | None) -> dict | None:
    """A document reference with the address the customer downloads it from."""
    if not ref:
        return None
    return {"document_id": ref["document_id"], "file_name": ref["file_name"],
            "content_type": ref["content_type"], "size": ref["size"],
            "download_url": DOCUMENT_PATH.format(opportunity_id=opportunity_id,
                                                 document_id=ref["document_id"])}


def fields(config: dict, opportunity: dict, catalog: Mapping[str, dict],
           locales: Sequence[str]) -> list[dict]:
    """The substate's bound fields in binding order, each with its flags and shown value.

    A retired field keeps showing its value, read-only: it can no longer be changed.
    """
    shown = []
    for binding in config["fields"]:
        field = catalog.get(binding["field"])
        if field is None:
            continue  # not projected (yet): nothing to show the customer
        value = field_state.shown(opportunity.get("fields", {}).get(binding["field"]))
        is_file = field["type"] == FieldType.FILE and isinstance(value, dict)
        shown.append({
            "field_id": binding["field"], "key": field["key"],
            "label": localize(field["label"], locales), "type": field["type"],
            "options": [{"value": option["value"], "label": localize(option["label"], locales)}
                        for option in field.get("options", ())],
            "required": binding["required"] and not field["retired"],
            "read_only": binding["read_only"] or field["retired"],
            "value": value,
            "download_url": document(opportunity["opportunity_id"], value)["download_url"]
            if is_file else None})
    return shown


def conditions_to_accept(config: dict, opportunity: dict, catalog: Mapping[str, dict],
                         locales: Sequence[str]) -> list[dict]:
    """The substate's active conditions not yet accepted at their current version."""
    accepted = opportunity.get("accepted_conditions", {})
    return [{"condition_id": condition_id, "version": condition["version"],
             "title": localize(condition["title"], locales),
             "text": localize(condition["text"], locales)}
            for condition_id in config["conditions"]
            if (condition := catalog.get(condition_id)) and not condition["retired"]
            and accepted.get(condition_id, 0) < condition["version"]]


Payload = Callable[[dict, dict | None, Sequence[str]], dict]


def _offers(opportunity: dict, _: dict | None, __: Sequence[str]) -> dict:
    offers = [{"offer_id": offer_id, **{k: v for k, v in offer.items() if k != "pending"}}
              for offer_id, offer in opportunity["offers"].items()]
    return {"offers": sorted(offers, key=lambda offer: (offer["issued_at"], offer["offer_id"]))}


def _drawing(opportunity: dict, _: dict | None, __: Sequence[str]) -> dict:
    return {"drawing": opportunity.get("drawing")}


def _installer_visit(opportunity: dict, _: dict | None, __: Sequence[str]) -> dict:
    assigned = opportunity.get("installer") or {}
    return {"installer": assigned.get("installer"), "visit_at": assigned.get("visit_at")}


def _contracts(opportunity: dict, _: dict | None, __: Sequence[str]) -> dict:
    opportunity_id = opportunity["opportunity_id"]
    contracts = sorted(opportunity.get("contracts", {}).items(),
                       key=lambda item: (item[1]["issued_at"], item[0]))
    return {"contracts": [
        {"contract_id": contract_id, "title": contract["title"],
         "issued_at": contract["issued_at"],
         "document": document(opportunity_id, contract["document"]),
         "signed_document": document(opportunity_id, contract.get("signed_document"))}
        for contract_id, contract in contracts]}


def _end_of_process(text: str) -> Payload:
    def payload(_: dict, settings: dict | None, locales: Sequence[str]) -> dict:
        texts = (settings or {}).get("end_of_process_texts") or {}
        return {"text": localize(texts.get(text), locales)}
    return payload


def _finalization_failed(opportunity: dict, settings: dict | None,
                         locales: Sequence[str]) -> dict:
    return {**_end_of_process("failure")(opportunity, settings, locales),
            "reactivation_available": bool((settings or {}).get("reactivation_enabled"))}


# Each panel's own content, besides the bound fields every panel carries.
PAYLOADS: dict[PanelKey, Payload] = {
    **{panel: lambda *_: {} for panel in DOCUMENTATION_PANELS},
    PanelKey.DRAWING: _drawing,
    PanelKey.OFFER: _offers,
    PanelKey.INSTALLER_VISIT: _installer_visit,
    PanelKey.CONTRACT_SIGNING: _contracts,
    PanelKey.FINALIZATION_SUCCESS: _end_of_process("success"),
    PanelKey.FINALIZATION_FAILED: _finalization_failed,
}


def panel(key: str, config: dict, opportunity: dict, catalog_fields: Mapping[str, dict],
          settings: dict | None, locales: Sequence[str]) -> dict:
    """The panel `key` as the customer sees it: its bound fields and its own payload."""
    return {"key": key, "fields": fields(config, opportunity, catalog_fields, locales),
            **PAYLOADS[PanelKey(key)](opportunity, settings, locales)}
