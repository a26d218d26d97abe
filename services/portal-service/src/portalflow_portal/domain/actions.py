"""Whether a customer action fits the current step: pure checks on the projected documents.

Each check returns what the action needs, or raises the refusal that says what did not fit and
what would: NotFoundError (nothing of that id), ActionNotAllowedError (not on this step),
InvalidActionError (a value not accepted), StepIncompleteError (what is still missing).
"""

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from portalflow_contracts.field_values import InvalidValueError, normalize
from portalflow_contracts.values import DOCUMENTATION_PANELS, ExternalAction, FieldType, PanelKey
from portalflow_portal.domain import field_state
from portalflow_portal.domain.definition import substate
from portalflow_portal.domain.errors import (
    ActionNotAllowedError,
    InvalidActionError,
    NotFoundError,
    StepIncompleteError,
)
from portalflow_portal.domain.locales import localize


@dataclass(frozen=True)
class Situation:
    """What an action is checked against: the projected opportunity, its flow, the org's catalog.

    `opportunity` is the read-model row (substate_id, fields, accepted_conditions, offers,
    contracts); `fields` and `conditions` hold the catalog entries the action names or the
    current substate binds; `settings` the org's portal settings, None until saved.
    """

    opportunity: dict
    definition: dict
    fields: Mapping[str, dict] = field(default_factory=dict)
    conditions: Mapping[str, dict] = field(default_factory=dict)
    settings: dict | None = None

    @property
    def substate_id(self) -> str:
        return self.opportunity["substate_id"]

    @property
    def step(self) -> dict:
        """The current substate's portal config; an empty one if the flow no longer has it."""
        return substate(self.definition, self.substate_id) or {
            "panel": None, "fields": [], "conditions": []}

    @property
    def panel(self) -> PanelKey | None:
        return PanelKey(self.step["panel"]) if self.step["panel"] else None


def require_panel(situation: Situation, panels: Collection[PanelKey], doing: str) -> PanelKey:
    """The current panel when it is one of `panels`; ActionNotAllowedError otherwise."""
    if situation.panel in panels:
        return situation.panel
    wanted = ("a documentation panel" if set(panels) == DOCUMENTATION_PANELS
              else " or ".join(f"the {p} panel" for p in panels))
    raise ActionNotAllowedError(f"{doing} only on {wanted}; the current step shows "
                                f"{situation.panel or 'no panel'}")


def field_to_set(situation: Situation, field_id: str) -> dict:
    """The catalog field when it is bound, editable, to the current documentation panel."""
    entry = situation.fields.get(field_id)
    if entry is None:
        raise NotFoundError(f"field {field_id} not found")
    require_panel(situation, DOCUMENTATION_PANELS, "fields can be filled in")
    binding = next((b for b in situation.step["fields"] if b["field"] == field_id), None)
    if binding is None:
        raise ActionNotAllowedError(f"field {entry['key']!r} is not on the current step's "
                                    "panel: only the fields it shows can be filled in")
    if binding["read_only"]:
        raise ActionNotAllowedError(f"field {entry['key']!r} is read-only on the current step: "
                                    "it can be read or downloaded, not changed")
    if entry["retired"]:
        raise ActionNotAllowedError(f"field {entry['key']!r} is retired: it is shown "
                                    "read-only and can no longer be changed")
    return entry


def value_to_set(field_id: str, entry: dict, value: object) -> object:
    """The value as stored for the field; InvalidActionError saying what the field accepts."""
    name = f"field {entry['key']!r}"
    if entry["type"] == FieldType.FILE and value is not None:
        raise InvalidActionError((("body", "value"), f"{name} is a file field: upload the "
                                  f"document with POST fields/{field_id}/document; null "
                                  "clears it"))
    try:
        return normalize(FieldType(entry["type"]), value, name=name,
                         options=[option["value"] for option in entry.get("options", ())])
    except InvalidValueError as error:
        raise InvalidActionError((("body", "value"), str(error))) from None


def file_field_to_upload(situation: Situation, field_id: str) -> dict:
    """The catalog field when it is an editable file field of the current panel."""
    entry = field_to_set(situation, field_id)
    if entry["type"] != FieldType.FILE:
        raise InvalidActionError((("path", "field_id"), (
            f"field {entry['key']!r} is a {entry['type']} field: only file fields take "
            "documents; set its value with PUT on the field instead")))
    return entry


def condition_to_accept(situation: Situation, condition_id: str, version: int) -> None:
    """Pass when the current step asks for the condition and `version` is its current one."""
    condition = situation.conditions.get(condition_id)
    if condition is None:
        raise NotFoundError(f"condition {condition_id} not found")
    if condition_id not in situation.step["conditions"] or condition["retired"]:
        raise ActionNotAllowedError(f"condition {condition_id} is not asked for on the "
                                    "current step")
    current = condition["version"]
    if version != current:
        raise ActionNotAllowedError(f"condition {condition_id} is at version {current}, not "
                                    f"{version}: read version {current} and accept that one")
    if situation.opportunity["accepted_conditions"].get(condition_id) == current:
        raise ActionNotAllowedError(f"condition {condition_id} is already accepted at "
                                    f"version {current}")


def missing(situation: Situation, locales: Sequence[str]) -> dict:
    """The required fields without a value and the conditions not accepted at their version.

    Retired fields and conditions are not asked for: nobody can fill or accept them any more.
    """
    step, values = situation.step, situation.opportunity["fields"]
    accepted = situation.opportunity["accepted_conditions"]
    fields = [{"field_id": b["field"], "key": entry["key"],
               "label": localize(entry["label"], locales)}
              for b in step["fields"]
              if b["required"] and (entry := situation.fields.get(b["field"]))
              and not entry["retired"] and field_state.shown(values.get(b["field"])) is None]
    conditions = [{"condition_id": cid, "version": condition["version"],
                   "title": localize(condition["title"], locales)}
                  for cid in step["conditions"]
                  if (condition := situation.conditions.get(cid)) and not condition["retired"]
                  and accepted.get(cid) != condition["version"]]
    return {"fields": fields, "conditions": conditions}


def step_to_complete(situation: Situation, locales: Sequence[str]) -> PanelKey:
    """The documentation panel to complete, once nothing it asks for is missing."""
    panel = require_panel(situation, DOCUMENTATION_PANELS, "a step can be completed")
    _require_mapping(situation, ExternalAction(f"{panel}-completed"),
                     "this step cannot be completed in the portal")
    gaps = missing(situation, locales)
    if gaps["fields"] or gaps["conditions"]:
        raise StepIncompleteError("the step is not complete: fill in the required fields and "
                                  "accept the conditions listed in `missing`", gaps)
    return panel


def offer_to_accept(situation: Situation, offer_id: str) -> None:
    """Pass when the offer panel shows the offer and it is still open."""
    require_panel(situation, {PanelKey.OFFER}, "offers can be accepted")
    offer = situation.opportunity["offers"].get(offer_id)
    if offer is None:
        raise NotFoundError(f"offer {offer_id} not found")
    if offer["status"] != "open":
        raise ActionNotAllowedError(f"offer {offer_id} is {offer['status']}, not open")


def contract_to_sign(situation: Situation, contract_id: str) -> None:
    """Pass when the contract-signing panel shows the contract."""
    require_panel(situation, {PanelKey.CONTRACT_SIGNING}, "signed contracts can be uploaded")
    if contract_id not in situation.opportunity["contracts"]:
        raise NotFoundError(f"contract {contract_id} not found")


def reactivation(situation: Situation) -> None:
    """Pass on the finalization-failed panel when the org offers reactivation."""
    require_panel(situation, {PanelKey.FINALIZATION_FAILED}, "reactivation can be requested")
    if not (situation.settings or {}).get("reactivation_enabled"):
        raise ActionNotAllowedError("reactivation is disabled in the org's portal settings")
    _require_mapping(situation, ExternalAction.SHOW_FLOW_REACTIVATION,
                     "reactivation is not available")


def _require_mapping(situation: Situation, action: ExternalAction, refusal: str) -> None:
    # config-service refuses these actions without a mapping: refuse before emitting them.
    target = situation.definition.get("external_actions", {}).get(action)
    if target in (None, situation.substate_id):
        raise ActionNotAllowedError(f"{refusal}: the org has not mapped the external action "
                                    f"{action} to a next substate")


def shared_document(opportunity: dict, document_id: str) -> dict | None:
    """The reference of a document the opportunity's fields or contracts hold, if any."""
    return next((ref for ref in _documents(opportunity) if ref["document_id"] == document_id),
                None)


def _documents(opportunity: dict) -> Iterator[dict]:
    for state in opportunity["fields"].values():
        for value in (state["confirmed"], (state["pending"] or {}).get("value")):
            if isinstance(value, dict) and "document_id" in value:
                yield value
    for contract in opportunity["contracts"].values():
        yield from filter(None, (contract.get("document"), contract.get("signed_document")))
