"""Projects the org's catalog and portal settings into the read model."""

import json

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import catalog
from portalflow_contracts.registry import parse
from portalflow_eventing.statements import Statement


def _put_catalog_item(table: str, item_id: str, org_id: str, changes: dict) -> Statement:
    """Insert the item or merge `changes` into it; `table` is one of the two catalog tables."""
    key, column = {"catalog_fields": ("field_id", "field"),
                   "catalog_conditions": ("condition_id", "condition")}[table]
    return Statement(
        f"INSERT INTO {table} ({key}, org_id, {column}) VALUES ($1, $2, $3::jsonb)"
        f" ON CONFLICT ({key}) DO UPDATE SET {column} = {table}.{column} || excluded.{column}",
        (item_id, org_id, json.dumps(changes)))


def on_field_defined(envelope: Envelope) -> Statement:
    event = catalog.DynamicFieldDefined.model_validate(envelope.data)
    return _put_catalog_item("catalog_fields", event.field_id, envelope.org_id, {
        **event.model_dump(mode="json", include={"key", "label", "options"}),
        "type": event.field_type.value, "retired": False})


def on_field_updated(envelope: Envelope) -> Statement:
    event = catalog.DynamicFieldUpdated.model_validate(envelope.data)
    return _put_catalog_item("catalog_fields", event.field_id, envelope.org_id,
                             event.model_dump(mode="json", include={"label", "options"}))


def on_field_retired(envelope: Envelope) -> Statement:
    event = catalog.DynamicFieldRetired.model_validate(envelope.data)
    return _put_catalog_item("catalog_fields", event.field_id, envelope.org_id,
                             {"retired": True})


def on_condition_published(envelope: Envelope) -> Statement:
    """A condition published or revised: its texts at its new version."""
    event = parse(envelope.type, envelope.data)
    return _put_catalog_item("catalog_conditions", event.condition_id, envelope.org_id, {
        **event.model_dump(mode="json", include={"title", "text", "version"}),
        "retired": False})


def on_condition_retired(envelope: Envelope) -> Statement:
    event = catalog.ConditionRetired.model_validate(envelope.data)
    return _put_catalog_item("catalog_conditions", event.condition_id, envelope.org_id,
                             {"retired": True})


def on_portal_settings_saved(envelope: Envelope) -> Statement:
    event = catalog.PortalSettingsSaved.model_validate(envelope.data)
    return Statement(
        "INSERT INTO portal_settings (org_id, settings) VALUES ($1, $2::jsonb)"
        " ON CONFLICT (org_id) DO UPDATE SET settings = excluded.settings",
        (envelope.org_id, json.dumps(event.model_dump(mode="json"))))
