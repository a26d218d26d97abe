"""Events as operators read them: one short line, or the whole envelope as JSON."""

import dataclasses
import json
from datetime import UTC

from portalflow_contracts.envelope import Envelope
from portalflow_ops.console import Segment

KEY_FIELDS = ("offer_id", "field_id", "value", "condition_id", "version", "contract_id",
              "state_id", "substate_id", "panel", "target_substate_id", "customer_event_type",
              "action", "reason", "name", "title", "amount", "currency")
"""Payload fields worth a glance, in the order shown; ids of the subject are left out."""

_MAX_VALUE = 40

_STYLES = {"flow": "cyan", "catalog": "blue", "opportunity": "green", "customer": "magenta"}


def short_type(event_type: str) -> str:
    """`portalflow.opportunity.substate-changed.v1` → `opportunity.substate-changed`."""
    name = event_type.removeprefix("portalflow.")
    return name.removesuffix(".v1")


def type_style(event_type: str) -> str:
    """A colour per kind of event; refusals in red."""
    if "rejected" in event_type or "failed" in event_type:
        return "bold red"
    return _STYLES.get(short_type(event_type).split(".")[0], "")


def key_fields(data: dict) -> str:
    """The payload in a few words: `from → to`, then `name=value` for the key fields."""
    parts = []
    if "from_substate_id" in data or "to_substate_id" in data:
        parts.append(f"{data.get('from_substate_id')} → {data.get('to_substate_id')}")
    cause = data.get("cause") if isinstance(data.get("cause"), dict) else {}
    if cause.get("kind"):
        parts.append(f"by={cause['kind']}")
    fields = {**{k: v for k, v in cause.items() if k in ("action", "reason")}, **data}
    for name in KEY_FIELDS:
        value = fields.get(name)
        if value is None or value in ("", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > _MAX_VALUE:
            text = text[:_MAX_VALUE - 1] + "…"
        parts.append(f"{name}={text}")
    return " ".join(parts)


def line(envelope: Envelope) -> list[Segment]:
    """time, type, subject, org and key fields, styled for a terminal."""
    when = envelope.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return [(when, "dim"), ("  ", ""),
            (short_type(envelope.type), type_style(envelope.type)), ("  ", ""),
            (envelope.subject, "bold"), ("  ", ""), (envelope.org_id, "yellow"), ("  ", ""),
            (key_fields(envelope.data), "")]


def as_json(envelope: Envelope) -> dict:
    """Every attribute of the envelope with its data, JSON-ready."""
    document = {"id": envelope.id, "type": envelope.type, "time": envelope.time.isoformat()}
    return {**document, **{k: v for k, v in dataclasses.asdict(envelope).items()
                           if k not in document}}


def header(headers, name: str) -> str | None:
    """The value of a record header, decoded; None when absent."""
    for key, value in headers:
        if key == name:
            return value.decode(errors="replace") if value is not None else None
    return None
