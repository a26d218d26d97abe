"""Each command: arguments in, output and exit status out. The work lives in its own module.

Modules are imported by the command that needs them, so that `tail` starts without loading
portal-service.
"""

import json
import sys
from argparse import Namespace
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from portalflow_ops.console import Output
from portalflow_ops.errors import OpsError


async def tail(args: Namespace, output: Output) -> int:
    from portalflow_ops.tail import Filters
    from portalflow_ops.tail import tail as run_tail

    await run_tail(args.bootstrap_servers, output, args.topics,
                   filters=Filters(args.opportunity, args.org, args.type), as_json=args.json,
                   from_beginning=args.from_beginning, limit=args.limit, timeout=args.timeout)
    return 0


async def list_dead_letters(args: Namespace, output: Output) -> int:
    from portalflow_ops import dead_letters, events

    letters = await dead_letters.read(args.bootstrap_servers, args.group)
    if args.json:
        for letter in letters:
            output.raw(json.dumps(letter.as_json(), ensure_ascii=False, default=str))
        return 0
    rows = []
    for d in letters:
        envelope = d.envelope()
        typ, subject = ((events.short_type(envelope.type), envelope.subject)
                        if not isinstance(envelope, Exception)
                        else (("too large: a reference", "yellow"), "") if d.reference is not None
                        else (("malformed", "red"), ""))
        origin = "/".join(map(str, d.origin)) if d.origin else "?"
        rows.append([d.group, d.position, d.event_id or "", typ, subject, str(d.attempts or "?"),
                     origin, (_clip(d.error or "", 60), "red")])
    output.table(["group", "at", "event id", "type", "subject", "attempts", "origin", "error"],
                 rows)
    output.warn(f"{len(letters)} dead letter(s)")
    return 0


async def show_dead_letter(args: Namespace, output: Output) -> int:
    from portalflow_ops import dead_letters

    found = dead_letters.find(await dead_letters.read(args.bootstrap_servers, args.group),
                              args.id)
    if len(found) > 1:
        output.warn(f"{len(found)} dead letters match {args.id!r}, oldest first; "
                    "name one by PARTITION/OFFSET with --group")
    for letter in found:
        output.raw(json.dumps(letter.as_json(), ensure_ascii=False, indent=2, default=str))
    return 0


async def replay_dead_letters(args: Namespace, output: Output) -> int:
    from portalflow_eventing import kafka
    from portalflow_ops import dead_letters
    from portalflow_ops.settings import OpsSettings

    letters = await dead_letters.read(args.bootstrap_servers, args.group)
    chosen = dead_letters.distinct(letters if args.all else dead_letters.find(letters, args.id))
    if args.dry_run:
        for letter in chosen:
            output.line(("would replay ", ""), *_replayed(letter))
        return 0
    producer = kafka.producer(args.bootstrap_servers, **kafka.security(OpsSettings()))
    await producer.start()
    try:
        for letter in chosen:
            sent = await dead_letters.replay(producer, letter)
            output.line(("replayed ", "green"), *_replayed(letter),
                        (f" at {sent.topic}/{sent.partition}/{sent.offset}", ""))
    finally:
        await producer.stop()
    output.warn(f"{len(chosen)} record(s) replayed")
    return 0


def _replayed(letter) -> list[tuple[str, str]]:
    origin = "/".join(map(str, letter.origin)) if letter.origin else "?"
    return [(letter.event_id or letter.position, "bold"), (f" (from {origin})", "dim")]


async def lag(args: Namespace, output: Output) -> int:
    from portalflow_ops import lag as lag_

    groups = args.groups or list(lag_.GROUPS)
    rows = await lag_.lag(args.bootstrap_servers, groups)
    for group in set(groups) - {r.group for r in rows}:
        output.warn(f"{group}: no committed offsets (an unknown group, or one never committed)")
    if args.json:
        for row in rows:
            output.raw(json.dumps(lag_.as_json(row)))
        return 0
    output.table(["group", "topic", "partition", "committed", "end", "lag"], [
        [r.group, r.topic, str(r.partition), "-" if r.committed is None else str(r.committed),
         str(r.end), (str(r.lag), "bold yellow" if r.lag else "green")] for r in rows])
    return 0


async def rebuild(args: Namespace, output: Output) -> int:
    from portalflow_ops import rebuild as rebuild_

    group = args.group or rebuild_.READ_MODEL_GROUP
    if not args.database_url:
        raise OpsError("no database: give --database-url or set DATABASE_URL")
    if not (args.yes or _confirmed(
            f"Rebuild the read model in {_without_password(args.database_url)} for group "
            f"{group!r}? Its tables are emptied first; portal-service must be stopped. [y/N] ")):
        output.warn("nothing done")
        return 1
    report = await rebuild_.rebuild_read_model(
        args.database_url, args.bootstrap_servers, group=group, batch_size=args.batch_size,
        workers=args.workers, progress=output.progress, force=args.force)
    output.line(("rebuilt ", "green"), (", ".join(report.tables), "bold"),
                (f": {report.applied} events applied, {report.skipped} skipped (duplicates or"
                 f" not projected), {len(report.failed)} failed", ""))
    for tp, offset in sorted(report.end_offsets.items()):
        output.line((f"  {group} committed at {tp.topic}/{tp.partition}: {offset}", "dim"))
    for failure in report.failed:
        output.line(("  failed ", "bold red"), (f"{failure.origin} {failure.event_id} "
                                               f"org={failure.org_id}: {failure.error}", ""))
    return 1 if report.failed else 0


async def relay_parked(args: Namespace, output: Output) -> int:
    from portalflow_eventing import parking

    async with _database(args) as conn:
        found = await parking.parked(conn, args.relay)
    output.table(["relay", "topic", "key", "event id", "position", "parked at", "error"], [
        [p.relay, p.topic, p.key, p.event_id, str(p.position),
         p.parked_at.isoformat(" ", "seconds"), (_clip(p.error, 60), "red")] for p in found])
    output.warn(f"{len(found)} parked key(s)")
    return 0


async def relay_release(args: Namespace, output: Output) -> int:
    from portalflow_eventing import parking

    async with _database(args) as conn:
        relays = [args.relay] if args.relay else sorted(
            {p.relay for p in await parking.parked(conn, None) if p.event_id == args.event_id})
        released = [found for relay in relays if (found := await (
            parking.set_aside(conn, relay, args.event_id, args.reason) if args.set_aside
            else parking.retry(conn, relay, args.event_id)))]
    if not released:
        raise OpsError(f"no key is parked at event {args.event_id}; `relay parked` lists them")
    what = "set aside" if args.set_aside else "to be tried again"
    for key in released:
        output.line((f"{what}: ", "green"), (key.describe(), ""))
    return 0


@asynccontextmanager
async def _database(args: Namespace):
    import asyncpg

    if not args.database_url:
        raise OpsError("no database: give --database-url or set DATABASE_URL")
    conn = await asyncpg.connect(args.database_url)
    try:
        yield conn
    finally:
        await conn.close()


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        raise OpsError("not a terminal to ask for confirmation: add --yes")
    return input(question).strip().lower() in ("y", "yes")


def _without_password(dsn: str) -> str:
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
