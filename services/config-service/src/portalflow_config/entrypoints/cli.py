"""`portalflow-config`: serve the admin API, apply migrations, mint development tokens,
republish the store."""

import argparse

from portalflow_config.config import MIGRATIONS, Settings
from portalflow_config.entrypoints import auth
from portalflow_eventing.cli import service_parser
from portalflow_eventing.runtime import REPUBLISH_HELP, republish_command


def _mint_token(args: argparse.Namespace) -> None:
    settings = Settings()
    print(auth.mint(settings.jwt_secret, settings.jwt_audience, subject=args.subject,
                    org_id=args.org, permissions=args.permission or list(auth.ALL_PERMISSIONS)))


def main() -> None:
    """Parse the command line and run one command."""
    parser, commands = service_parser(
        "portalflow-config", __doc__, "portalflow_config.bootstrap:create_app", 8001,
        Settings, MIGRATIONS)
    mint = commands.add_parser("mint-token", help="print an admin JWT signed with JWT_SECRET")
    mint.add_argument("--org", required=True, help="the org the token acts in")
    mint.add_argument("--subject", default="developer", help="who acts")
    mint.add_argument("--permission", action="append", choices=auth.ALL_PERMISSIONS,
                      help="repeat for several; default: all")
    mint.set_defaults(run=_mint_token)
    commands.add_parser("republish", help=REPUBLISH_HELP).set_defaults(
        run=lambda _: republish_command(Settings().database_url, "config-service"))
    args = parser.parse_args()
    args.run(args)
