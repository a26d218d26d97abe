"""`portalflow-config`: serve the API, apply migrations, mint development tokens."""

import argparse
import asyncio

import asyncpg
import uvicorn

from portalflow_config.config import MIGRATIONS, Settings
from portalflow_config.entrypoints import auth
from portalflow_eventing.migrations import migrate


def _serve(args: argparse.Namespace) -> None:
    uvicorn.run("portalflow_config.bootstrap:create_app", factory=True, host=args.host,
                port=args.port, log_level="warning")


def _migrate(_: argparse.Namespace) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(Settings().database_url)
        try:
            applied = await migrate(conn, MIGRATIONS)
        finally:
            await conn.close()
        print("\n".join(applied) or "up to date")

    asyncio.run(run())


def _mint_token(args: argparse.Namespace) -> None:
    settings = Settings()
    print(auth.mint(settings.jwt_secret, settings.jwt_audience, subject=args.subject,
                    org_id=args.org, permissions=args.permission or list(auth.ALL_PERMISSIONS)))


def main() -> None:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="portalflow-config", description=__doc__)
    commands = parser.add_subparsers(required=True)
    serve = commands.add_parser("serve", help="run the admin API, relay and consumer")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(run=_serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    mint = commands.add_parser("mint-token", help="print an admin JWT signed with JWT_SECRET")
    mint.add_argument("--org", required=True, help="the org the token acts in")
    mint.add_argument("--subject", default="developer", help="who acts")
    mint.add_argument("--permission", action="append", choices=auth.ALL_PERMISSIONS,
                      help="repeat for several; default: all")
    mint.set_defaults(run=_mint_token)
    args = parser.parse_args()
    args.run(args)
