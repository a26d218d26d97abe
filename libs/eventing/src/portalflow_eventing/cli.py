"""The command line every service shares: `serve` and `migrate`, plus its own commands."""

import argparse
import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncpg

from portalflow_eventing.migrations import migrate
from portalflow_eventing.server import serve as serve_app
from portalflow_eventing.settings import EventingSettings


def service_parser(prog: str, description: str, app_factory: str, port: int,
                   settings: Callable[[], EventingSettings], migrations: Sequence[Path],
                   ) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """A parser with `serve` and `migrate`; add the service's own commands to the second value."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    commands = parser.add_subparsers(required=True)
    serve = commands.add_parser("serve", help="run the API with its relay and consumers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=port)
    serve.set_defaults(run=lambda args: serve_app(app_factory, args.host, args.port))
    commands.add_parser("migrate", help="apply the database migrations and exit").set_defaults(
        run=lambda _: asyncio.run(_migrate(settings().database_url, migrations)))
    return parser, commands


async def _migrate(database_url: str, migrations: Sequence[Path]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        applied = await migrate(conn, *migrations)
    finally:
        await conn.close()
    print("\n".join(applied) or "up to date")
