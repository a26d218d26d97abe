"""Numbered SQL migrations, applied once each, in order, under an advisory lock."""

from pathlib import Path

import asyncpg
import structlog

SHARED = Path(__file__).parent / "sql"
_LOCK_ID = 0x706F7274616C  # any constant shared by every migrating process

log = structlog.get_logger(__name__)


async def migrate(conn: asyncpg.Connection, *directories: Path) -> list[str]:
    """Apply the shared migrations, then those of `directories`; return what was applied."""
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for directory in (SHARED, *directories):
            for path in sorted(directory.glob("*.sql")):
                name = f"{directory.parent.name}/{directory.name}/{path.name}"
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied.append(name)
                log.info("migration applied", migration=name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied
