"""What a rebuild checks before it empties anything: the right database, no one else using it,
topics that hold at least what the read model has applied."""

import asyncpg

from portalflow_ops.errors import OpsError

READ_MODEL_TABLES = ("flows", "portal_opportunities", "portal_access", "portal_settings")
"""Projected tables, besides every `catalog_*` one. Never `events` (the outbox),
`idempotency_keys` or `documents`: those are portal-service's own records, not projections."""



class NotAReadModelError(OpsError):
    pass


class DatabaseInUseError(OpsError):
    pass


class ShortTopicsError(OpsError):
    pass


async def read_model_tables(conn: asyncpg.Connection) -> list[str]:
    """The read-model tables of the database; fails unless it is portal-service's, migrated."""
    found = [r["table_name"] for r in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND (table_name = ANY($1::text[]) OR table_name LIKE 'catalog\\_%')"
        " ORDER BY table_name", list(READ_MODEL_TABLES))]
    if missing := set(READ_MODEL_TABLES) - set(found):
        raise NotAReadModelError(
            f"the database has no {', '.join(sorted(missing))} table: give portal-service's"
            " database, migrated (`portalflow-portal migrate`)")
    return found


async def refuse_if_in_use(conn: asyncpg.Connection) -> None:
    """Refuse while other sessions use the database: a running portal-service holds some."""
    others = await conn.fetch(
        "SELECT coalesce(nullif(application_name, ''), 'unnamed') AS name, client_addr, pid"
        " FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
    if others:
        sessions = ", ".join(f"{r['name']} (pid {r['pid']}, {r['client_addr'] or 'local'})"
                             for r in others)
        raise DatabaseInUseError(
            f"{len(others)} other session(s) use the database: {sessions}. Stop portal-service"
            " (every replica) first; --force rebuilds anyway")


async def refuse_if_short(conn: asyncpg.Connection, group: str, records: int) -> None:
    """Refuse, before anything is emptied, a rebuild from topics that hold fewer records than
    the read model has applied: the broker lost data, and the rebuild would lose it too."""
    applied = await conn.fetchval(
        "SELECT count(*) FROM processed_events WHERE consumer_group = $1", group)
    if records < applied:
        raise ShortTopicsError(
            f"the topics hold {records} records but the read model has applied {applied}"
            f" events (group {group!r}): the broker has lost data, and a rebuild now would"
            " lose it from the read model too. Nothing was changed. Publish config-service's"
            " store again first (`portalflow-config republish`; its running relay starts"
            " over), wait until `portalflow-ops lag` shows the topics refilled, then rebuild")
