"""Commands on the org's catalog: dynamic fields, conditions, portal settings."""

import json
from collections.abc import Callable, Mapping, Sequence

import asyncpg

from portalflow_config.application.unit_of_work import Caller, append, check_version, transact
from portalflow_config.domain import catalog as rules
from portalflow_config.domain.catalog import Condition, DynamicField, OrgCatalog, PortalSettings
from portalflow_contracts.events.catalog import (
    CatalogEvent,
    DynamicFieldDefined,
    DynamicFieldUpdated,
    PortalSettingsSaved,
)
from portalflow_contracts.registry import EVENT_TYPES, parse
from portalflow_contracts.values import FieldType

CATALOG_TYPES = [t for t, model in EVENT_TYPES.items() if issubclass(model, CatalogEvent)]
Versions = dict[str, int]  # stream id → stream version, the ETag of each item


def settings_stream(org_id: str) -> str:
    """The stream of an org's portal settings."""
    return f"portal-settings:{org_id}"


async def load_catalog(conn: asyncpg.Connection, org_id: str) -> OrgCatalog:
    """The org's whole catalog, as of the last committed change."""
    catalog, _ = await load_catalog_versions(conn, org_id)
    return catalog


async def load_catalog_versions(conn: asyncpg.Connection,
                                org_id: str) -> tuple[OrgCatalog, Versions]:
    """The org's catalog and the version of each of its streams, in one query."""
    return fold_catalog(await conn.fetch(
        "SELECT stream_id, version, type, data FROM events"
        " WHERE org_id = $1 AND type = ANY($2::text[]) ORDER BY position",
        org_id, CATALOG_TYPES))


def fold_catalog(rows: Sequence[Mapping]) -> tuple[OrgCatalog, Versions]:
    """The catalog of the org's catalog events (stream_id, version, type, data), in order."""
    catalog, versions = OrgCatalog(), {}
    for row in rows:
        catalog = rules.evolve(catalog, parse(row["type"], json.loads(row["data"])))
        versions[row["stream_id"]] = row["version"]
    return catalog, versions


async def lock_catalog(conn: asyncpg.Connection, org_id: str) -> None:
    """Hold the org's catalog still until this transaction ends; call before load_catalog."""
    # The rules span the org's streams (unique keys, texts checked against the settings,
    # bindings to active fields), so whoever decides on the catalog takes this lock first:
    # in READ COMMITTED, the reads that follow see what the previous holder committed.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                       f"catalog:{org_id}")


async def _change(pool: asyncpg.Pool, caller: Caller, stream_id: str, if_match: int | None,
                  decide: Callable[[OrgCatalog], list]) -> tuple[OrgCatalog, int]:
    async def work(conn: asyncpg.Connection) -> tuple[OrgCatalog, int]:
        await lock_catalog(conn, caller.org_id)
        catalog, versions = await load_catalog_versions(conn, caller.org_id)
        events = decide(catalog)
        version = versions.get(stream_id, 0)
        check_version(stream_id, if_match, version)
        new_version = await append(conn, caller, stream_id, version, events)
        for event in events:
            catalog = rules.evolve(catalog, event)
        return catalog, new_version

    return await transact(pool, work, if_match)


async def define_field(pool: asyncpg.Pool, caller: Caller,
                       command: DynamicFieldDefined) -> tuple[DynamicField, int]:
    """Define a dynamic field; return it and its version."""
    catalog, version = await _change(pool, caller, command.field_id, 0,
                                     lambda current: rules.define_field(current, command))
    return catalog.fields[command.field_id], version


async def update_field(pool: asyncpg.Pool, caller: Caller, command: DynamicFieldUpdated,
                       if_match: int | None, *, key: str | None = None,
                       field_type: FieldType | None = None) -> tuple[DynamicField, int]:
    """Replace a field's label and options; return it and its version."""
    catalog, version = await _change(pool, caller, command.field_id, if_match,
                                     lambda current: rules.update_field(
                                         current, command, key=key, field_type=field_type))
    return catalog.fields[command.field_id], version


async def retire_field(pool: asyncpg.Pool, caller: Caller, field_id: str,
                       if_match: int | None) -> tuple[DynamicField, int]:
    """Retire a field; return it and its version."""
    catalog, version = await _change(pool, caller, field_id, if_match,
                                     lambda current: rules.retire_field(current, field_id))
    return catalog.fields[field_id], version


async def publish_condition(pool: asyncpg.Pool, caller: Caller, condition_id: str,
                            title: dict, text: dict) -> tuple[Condition, int]:
    """Publish a condition at version 1; return it and its stream version."""
    catalog, version = await _change(pool, caller, condition_id, 0, lambda current:
                                     rules.publish_condition(current, condition_id, title, text))
    return catalog.conditions[condition_id], version


async def revise_condition(pool: asyncpg.Pool, caller: Caller, condition_id: str, title: dict,
                           text: dict, if_match: int | None) -> tuple[Condition, int]:
    """Publish the next version of a condition; return it and its stream version."""
    catalog, version = await _change(pool, caller, condition_id, if_match, lambda current:
                                     rules.revise_condition(current, condition_id, title, text))
    return catalog.conditions[condition_id], version


async def retire_condition(pool: asyncpg.Pool, caller: Caller, condition_id: str,
                           if_match: int | None) -> tuple[Condition, int]:
    """Retire a condition; return it and its stream version."""
    catalog, version = await _change(pool, caller, condition_id, if_match,
                                     lambda current: rules.retire_condition(current, condition_id))
    return catalog.conditions[condition_id], version


async def save_portal_settings(pool: asyncpg.Pool, caller: Caller, command: PortalSettingsSaved,
                               if_match: int | None) -> tuple[PortalSettings, int]:
    """Save the org's portal settings whole; return them and their version."""
    catalog, version = await _change(pool, caller, settings_stream(caller.org_id), if_match,
                                     lambda current: rules.save_portal_settings(current, command))
    return catalog.settings, version
