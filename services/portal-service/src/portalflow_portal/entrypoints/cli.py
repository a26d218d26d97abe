"""`portalflow-portal`: serve the customer API."""

import argparse

import uvicorn


def main() -> None:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="portalflow-portal", description=__doc__)
    commands = parser.add_subparsers(required=True)
    serve = commands.add_parser("serve", help="run the customer API, projection and relay")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8002)
    serve.set_defaults(run=lambda args: uvicorn.run(
        "portalflow_portal.bootstrap:create_app", factory=True, host=args.host,
        port=args.port, log_level="warning"))
    args = parser.parse_args()
    args.run(args)
