"""Projects the org's catalog and portal settings into the read model."""

import json

import asyncpg

from portalflow_contracts.envelope import Envelope
from portalflow_contracts.events import catalog
from portalflow_contracts.registry import parse


async def _put_catalog_item(conn: asyncpg.Connection, table: str, item_id: str, org_id: str,
                            changes: dict) -> None:
    """Insert the item or merge `changes` into it; `table` is one of the two catalog tables."""
    key, column = {"catalog_fields": ("field_id", "field"),
                   "catalog_conditions": ("condition_id", "condition")}[table]
    await conn.execute(
        f"INSERT INTO {table} ({key}, org_id, {column}) VALUES ($1, $2, $3::jsonb)"
        f" ON CONFLICT ({key}) DO UPDATE SET {column} = {table}.{column} || excluded.{column}",
        item_id, org_id, json.dumps(changes))


async def on_field_defined(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = catalog.DynamicFieldDefined.model_validate(envelope.data)
    await _put_catalog_item(conn, "catalog_fields", event.field_id, envelope.org_id, {
        **event.model_dump(mode="json", include={"key", "label", "options"}),
        "type": event.field_type.value, "retired": False})


async def on_field_updated(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = catalog.DynamicFieldUpdated.model_validate(envelope.data)
    await _put_catalog_item(conn, "catalog_fields", event.field_id, envelope.org_id,
                            event.model_dump(mode="json", include={"label", "options"}))


async def on_field_retired(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = catalog.DynamicFieldRetired.model_validate(envelope.data)
    await _put_catalog_item(conn, "catalog_fields", event.field_id, envelope.org_id,
                            {"retired": True})


async def on_condition_published(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """A condition published or revised: its texts at its new version."""
    event = parse(envelope.type, envelope.data)
    await _put_catalog_item(conn, "catalog_conditions", event.condition_id, envelope.org_id, {
        **event.model_dump(mode="json", include={"title", "text", "version"}),
        "retired": False})


async def on_condition_retired(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = catalog.ConditionRetired.model_validate(envelope.data)
    await _put_catalog_item(conn, "catalog_conditions", event.condition_id, envelope.org_id,
                            {"retired": True})


async def on_portal_settings_saved(conn: asyncpg.Connection, envelope: Envelope) -> None:
    event = catalog.PortalSettingsSaved.model_validate(envelope.data)
    await conn.execute(
        "INSERT INTO portal_settings (org_id, settings) VALUES ($1, $2::jsonb)"
        " ON CONFLICT (org_id) DO UPDATE SET settings = excluded.settings",
        envelope.org_id, json.dumps(event.model_dump(mode="json")))
