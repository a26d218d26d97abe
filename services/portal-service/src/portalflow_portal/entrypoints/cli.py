"""`portalflow-portal`: serve the customer API, apply migrations."""

from portalflow_eventing.cli import service_parser
from portalflow_portal.config import MIGRATIONS, Settings


def main() -> None:
    """Parse the command line and run one command."""
    parser, _ = service_parser("portalflow-portal", __doc__,
                               "portalflow_portal.bootstrap:create_app", 8002, Settings,
                               MIGRATIONS)
    args = parser.parse_args()
    args.run(args)
