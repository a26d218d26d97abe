"""`portalflow-portal`: serve the customer API, apply migrations, republish the outbox."""

from portalflow_eventing.cli import service_parser
from portalflow_eventing.runtime import REPUBLISH_HELP, republish_command
from portalflow_portal.config import MIGRATIONS, Settings


def main() -> None:
    """Parse the command line and run one command."""
    parser, commands = service_parser("portalflow-portal", __doc__,
                                      "portalflow_portal.bootstrap:create_app", 8002, Settings,
                                      MIGRATIONS)
    commands.add_parser("republish", help=REPUBLISH_HELP).set_defaults(
        run=lambda _: republish_command(Settings().database_url, "portal-service"))
    args = parser.parse_args()
    args.run(args)
