"""`portalflow-ops`: the operator's command line (parsing only; commands.py does the work)."""

import argparse
import asyncio
import sys
from collections.abc import Sequence

from portalflow_ops import commands
from portalflow_ops.console import Output
from portalflow_ops.errors import SERVER_ERRORS, OpsError
from portalflow_ops.rebuild import WORKERS
from portalflow_ops.settings import OpsSettings

REBUILD_HELP = """\
Empty portal-service's read model (flows, portal_opportunities, portal_access, catalog_*,
portal_settings and the group's processed_events; never the events outbox, idempotency_keys
or documents) and apply every event of portalflow.flow-definitions, then of
portalflow.opportunities, up to their current end, through portal-service's own projection.
Finally the group's offsets are committed at those ends, so that portal-service continues
after them.

Stop portal-service (every replica) before a rebuild and start it afterwards. The rebuild
refuses to start while other sessions use the database (unless --force), and Apache Kafka
refuses to move the offsets of a group that still has members. If a rebuild is interrupted,
run it again (or start portal-service: its group starts over from the beginning, and already
applied events are skipped).

An event the projection refuses is listed and left out, as the running consumer would have
dead-lettered it; the exit status is then 1."""


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def parser() -> argparse.ArgumentParser:
    """Every command, each with its --help."""
    root = argparse.ArgumentParser(
        prog="portalflow-ops", description="Tail Portalflow's topics, inspect and replay dead "
        "letters, see consumer lag, rebuild portal-service's read model. Kafka and PostgreSQL "
        "come from $KAFKA_BOOTSTRAP_SERVERS and $DATABASE_URL unless given as options.")
    kafka = argparse.ArgumentParser(add_help=False)
    kafka.add_argument("--bootstrap-servers", metavar="HOSTS",
                       help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)")
    sub = root.add_subparsers(required=True, metavar="COMMAND")

    tail = sub.add_parser("tail", parents=[kafka], help="print the events on the topics",
                          description="Print events as they arrive, one readable line each.")
    tail.add_argument("topics", nargs="*", metavar="TOPIC",
                      help="topics to read (default: every Portalflow topic)")
    tail.add_argument("--opportunity", metavar="ID", help="only events whose subject is ID")
    tail.add_argument("--org", help="only events of this org")
    tail.add_argument("--type", metavar="SUBSTRING", help="only event types containing this")
    tail.add_argument("--json", action="store_true", help="print each envelope as a JSON line")
    tail.add_argument("--from-beginning", action="store_true",
                      help="start at the first event (default: only events from now on)")
    tail.add_argument("--limit", type=int, metavar="N", help="stop after N events")
    tail.add_argument("--timeout", type=float, metavar="SECONDS", help="stop after SECONDS")
    tail.set_defaults(run=commands.tail)

    dead = sub.add_parser("dead-letters", help="inspect and replay dead letters",
                          description="Events a consumer group gave up on, per group.")
    dead_sub = dead.add_subparsers(required=True, metavar="ACTION")
    group = argparse.ArgumentParser(add_help=False)
    group.add_argument("--group", metavar="G", help="one consumer group (default: every group)")
    ident_help = "an event id, or PARTITION/OFFSET in the dead-letter topic"
    listing = dead_sub.add_parser("list", parents=[kafka, group], help="list dead letters",
                                  description="Every dead letter, oldest first per group.")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    listing.set_defaults(run=commands.list_dead_letters)
    show = dead_sub.add_parser("show", parents=[kafka, group], help="show one dead letter",
                               description="The envelope, error, attempts and origin, as JSON.")
    show.add_argument("id", metavar="ID", help=ident_help)
    show.set_defaults(run=commands.show_dead_letter)
    replay = dead_sub.add_parser(
        "replay", parents=[kafka, group], help="republish dead letters to their topic",
        description="Publish the original record (value, key, headers) again to its original "
                    "topic, so that its consumers retry it. Consumers are idempotent: replaying "
                    "twice is harmless. The dead letter itself stays: topics are append-only.")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", metavar="ID", help=ident_help)
    which.add_argument("--all", action="store_true", help="every dead letter (of --group)")
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed")
    replay.set_defaults(run=commands.replay_dead_letters)

    lag = sub.add_parser("lag", parents=[kafka], help="consumer lag per group and partition",
                         description="Committed offset, end offset and lag per partition.")
    lag.add_argument("--group", action="append", metavar="G", dest="groups",
                     help="a consumer group; repeat for several (default: Portalflow's groups)")
    lag.add_argument("--json", action="store_true", help="print JSON lines")
    lag.set_defaults(run=commands.lag)

    relay = sub.add_parser(
        "relay", help="events a relay cannot publish",
        description="A relay parks a key whose event the broker can never take (too large, "
                    "refused): the key's events wait, in order, while every other key's "
                    "events are published. Set the event aside (never published) or try it "
                    "again once the cause is fixed; the relay then publishes the key's waiting "
                    "events first.")
    relay_sub = relay.add_subparsers(required=True, metavar="ACTION")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database-url", metavar="DSN",
                          help="the service's database (default: $DATABASE_URL)")
    database.add_argument("--relay", metavar="NAME",
                          help="config-service or portal-service (default: every relay)")
    relay_sub.add_parser("parked", parents=[database], help="list the parked keys",
                         description="Every parked key, with the event and the error."
                         ).set_defaults(run=commands.relay_parked)
    for action, text in (("set-aside", "never publish the event; its key goes on"),
                         ("retry", "try the event again; its key goes on if it is published")):
        release = relay_sub.add_parser(action, parents=[database], help=text, description=text)
        release.add_argument("event_id", metavar="EVENT_ID", help="the parked event's id")
        if action == "set-aside":
            release.add_argument("--reason", required=True, help="why, for the record")
        release.set_defaults(run=commands.relay_release, set_aside=action == "set-aside")

    rebuild = sub.add_parser(
        "rebuild-read-model", parents=[kafka], help="rebuild portal-service's read model",
        description=REBUILD_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    rebuild.add_argument("--database-url", metavar="DSN",
                         help="portal-service's database (default: $DATABASE_URL)")
    rebuild.add_argument("--group", metavar="G",
                         help="the consumer group (default: portal-service.read-model)")
    rebuild.add_argument("--batch-size", type=_positive, default=500, metavar="N",
                         help="events per transaction (default: 500)")
    rebuild.add_argument("--workers", type=_positive, default=WORKERS, metavar="N",
                         help="opportunity partitions rebuilt at once, each on a database"
                              f" connection of its own (default: {WORKERS})")
    rebuild.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rebuild.add_argument("--force", action="store_true",
                         help="rebuild even while other sessions use the database")
    rebuild.set_defaults(run=commands.rebuild)
    return root


async def run(argv: Sequence[str] | None = None, output: Output | None = None) -> int:
    """Run one command line; return the exit status."""
    args = parser().parse_args(argv)
    settings = OpsSettings()
    if getattr(args, "bootstrap_servers", None) is None:
        args.bootstrap_servers = settings.kafka_bootstrap_servers
    if getattr(args, "database_url", "") is None:
        args.database_url = settings.database_url
    output = output or Output()
    try:
        return await args.run(args, output)
    except (OpsError, *SERVER_ERRORS) as error:
        output.warn(f"error: {error}")
        return 1


def main(argv: Sequence[str] | None = None) -> None:
    """The console script."""
    try:
        sys.exit(asyncio.run(run(argv)))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
