"""Rebuild portal-service's read model from the topics, through its own projection."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import (
    AbstractContextManager,
    AsyncExitStack,
    asynccontextmanager,
    nullcontext,
    suppress,
)
from dataclasses import dataclass, field

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka
from portalflow_contracts.topics import FLOW_DEFINITIONS, OPPORTUNITIES
from portalflow_eventing.consumer import IdempotentConsumer
from portalflow_ops import brokers, events
from portalflow_ops import rebuild_checks as checks
from portalflow_ops.console import Advance
from portalflow_ops.errors import SERVER_ERRORS, OpsError
from portalflow_ops.lag import READ_MODEL_GROUP
from portalflow_portal.adapters.projection import HANDLERS

SOURCE_TOPICS = (FLOW_DEFINITIONS, OPPORTUNITIES)
"""What the read-model group reads, in the order rebuilt: every org's configuration first."""

Progress = Callable[[int], AbstractContextManager[Advance]]

WORKERS = 6
"""At most this many opportunity partitions are rebuilt at once, each on a connection and a
broker client of its own: while PostgreSQL applies a batch of one, Python prepares the others'.
Partitions hold disjoint opportunities, and every org's configuration is rebuilt before them.
(One at a time, the process and PostgreSQL took turns, one core idle.)"""


class GroupInUseError(OpsError):
    pass


class InterruptedRebuildError(OpsError):
    pass


@dataclass(frozen=True)
class Failure:
    """An event the projection refused; the live consumer would have dead-lettered it."""

    origin: str
    event_id: str | None
    org_id: str | None
    error: str


@dataclass
class Report:
    tables: list[str]
    end_offsets: brokers.Offsets  # where the group's offsets are committed
    applied: int = 0
    skipped: int = 0  # already applied (a duplicate on the topic) or not projected
    failed: list[Failure] = field(default_factory=list)


async def rebuild_read_model(database_url: str, bootstrap_servers: str, *,
                             group: str = READ_MODEL_GROUP, batch_size: int = 500,
                             workers: int = WORKERS,
                             progress: Progress = lambda total: nullcontext(lambda n, w: None),
                             force: bool = False) -> Report:
    """Empty the read model and apply every event of the topics up to their current end: every
    org's configuration first, then the opportunities, `workers` partitions at a time.

    Refuses while other sessions use the database (a running portal-service holds some),
    unless `force`.
    """
    conn = await asyncpg.connect(database_url)
    try:
        tables = await checks.read_model_tables(conn)
        if not force:
            await checks.refuse_if_in_use(conn)
        async with brokers.connected(bootstrap_servers) as broker:
            partitions = await broker.partitions(SOURCE_TOPICS)
            begin, end = await broker.bounds(partitions)
            await checks.refuse_if_short(conn, group, sum(end[tp] - begin[tp] for tp in partitions))
            # First move the group back to the beginning: Kafka refuses while portal-service is
            # still in the group, before anything is deleted; and if this rebuild stops half way,
            # a restarted portal-service replays everything, harmlessly, instead of skipping.
            await _reset(bootstrap_servers, group, begin)
            report = Report(tables, end)
            try:
                await _clear(conn, tables, group)
                with progress(sum(end[tp] - begin[tp] for tp in partitions)) as advance:
                    rebuild = _Rebuild(group, begin, end, batch_size, report, advance)
                    await rebuild.partitions(conn, broker, [
                        tp for tp in partitions if tp.topic == FLOW_DEFINITIONS])
                    await rebuild.side_by_side(database_url, bootstrap_servers, (conn, broker),
                                               workers, [tp for tp in partitions
                                                         if tp.topic == OPPORTUNITIES])
                # Last: a restarted portal-service continues after what the rebuild applied.
                await brokers.commit_offsets(bootstrap_servers, group, end)
            except SERVER_ERRORS as error:
                raise InterruptedRebuildError(
                    f"the rebuild stopped half way ({type(error).__name__}: {error}); the"
                    f" group {group!r} is left at the beginning of the topics: run the rebuild"
                    " again, or start portal-service, which replays them") from error
        return report
    finally:
        await conn.close()


async def _reset(bootstrap_servers: str, group: str, offsets: brokers.Offsets) -> None:
    try:
        await brokers.commit_offsets(bootstrap_servers, group, offsets)
    except KafkaError as error:
        raise GroupInUseError(
            f"Kafka refused to move the offsets of {group!r} ({error!r}): stop portal-service,"
            " wait until the group has no members, and run the rebuild again") from error


async def _clear(conn: asyncpg.Connection, tables: list[str], group: str) -> None:
    # One transaction: a read model emptied while processed_events still lists its events
    # would make the rebuild skip them all.
    quoted = ", ".join('"' + t.replace('"', '""') + '"' for t in tables)
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {quoted}")
        await conn.execute("DELETE FROM processed_events WHERE consumer_group = $1", group)


@dataclass
class _Rebuild:
    """What every connection that rebuilds partitions shares."""

    group: str
    begin: brokers.Offsets
    end: brokers.Offsets
    batch_size: int
    report: Report
    advance: Advance

    async def partitions(self, conn: asyncpg.Connection, broker: brokers.Broker,
                         partitions: list[TopicPartition]) -> None:
        """Rebuild `partitions` one after the other on `conn`, read through `broker`."""
        consumer = IdempotentConsumer(_Lender(conn), self.group, HANDLERS, producer=None)
        batches = _batches(broker, partitions, self.begin, self.end, self.batch_size)
        async with _read_ahead(batches) as ahead:
            async for records, envelopes in ahead:
                await _apply(conn, consumer, records, envelopes, self.report)
                self.advance(len(records), records[0].topic)

    async def side_by_side(self, database_url: str, bootstrap_servers: str,
                           first: tuple[asyncpg.Connection, brokers.Broker], workers: int,
                           partitions: list[TopicPartition]) -> None:
        """Rebuild `partitions` split among `workers`: one on `first`, each other one on a
        connection and a broker client of its own. The first error stops them all."""
        async with AsyncExitStack() as stack:
            clients = [first]
            for _ in range(1, min(workers, len(partitions))):
                conn = await asyncpg.connect(database_url)
                stack.push_async_callback(conn.close)
                clients.append((conn, await stack.enter_async_context(
                    brokers.connected(bootstrap_servers))))
            tasks = [asyncio.create_task(self.partitions(*client, partitions[n::len(clients)]))
                     for n, client in enumerate(clients)]
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


Batch = tuple[list[ConsumerRecord], list[Envelope] | None]
"""Records, and their envelopes unless one of them is malformed."""


async def _batches(broker: brokers.Broker, partitions: list[TopicPartition],
                   begin: brokers.Offsets, end: brokers.Offsets,
                   batch_size: int) -> AsyncIterator[Batch]:
    """The records from `begin` to `end`, partition after partition, in decoded batches."""
    for tp in partitions:
        async for records in broker.read({tp: begin[tp]}, {tp: end[tp]},
                                         max_records=batch_size):
            try:
                envelopes = [from_kafka(record.headers, record.value) for record in records]
            except MalformedEnvelopeError:
                envelopes = None
            yield records, envelopes


@asynccontextmanager
async def _read_ahead(batches: AsyncIterator[Batch],
                      depth: int = 2) -> AsyncIterator[AsyncIterator[Batch]]:
    """`batches`, taken up to `depth` ahead by a task of their own: reading and decoding the
    next ones runs while Postgres applies this one. The task's error is raised in their place."""
    queue: asyncio.Queue[Batch | Exception | None] = asyncio.Queue(depth)

    async def take() -> None:
        try:
            async for batch in batches:
                await queue.put(batch)
            await queue.put(None)
        except Exception as error:
            await queue.put(error)

    async def taken() -> AsyncIterator[Batch]:
        while (batch := await queue.get()) is not None:
            if isinstance(batch, Exception):
                raise batch
            yield batch

    task = asyncio.create_task(take())
    try:
        yield taken()
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _apply(conn: asyncpg.Connection, consumer: IdempotentConsumer,
                 records: list[ConsumerRecord], envelopes: list[Envelope] | None,
                 report: Report) -> None:
    """Apply a batch in one transaction; if an event is refused, again, each in a savepoint."""
    try:
        if envelopes is None:
            raise MalformedEnvelopeError("a record of the batch is malformed")
        applied = await consumer.apply_batch(envelopes)
    except Exception:  # the batch rolled back whole: find the culprits one by one
        if conn.is_closed():
            raise
    else:
        report.applied += applied
        report.skipped += len(envelopes) - applied
        return
    async with conn.transaction():
        for record in records:
            try:
                applied = await consumer.apply(from_kafka(record.headers, record.value))
            except Exception as error:  # the event's savepoint rolled back; the batch goes on
                if conn.is_closed():
                    raise
                report.failed.append(Failure(
                    f"{record.topic}/{record.partition}/{record.offset}",
                    events.header(record.headers, "ce_id"),
                    events.header(record.headers, "ce_orgid"), repr(error)))
                continue
            if applied:
                report.applied += 1
            else:
                report.skipped += 1


class _Lender:
    """Looks like a pool to IdempotentConsumer but lends the batch's connection.

    IdempotentConsumer.apply opens a transaction on what it acquires; on a connection already
    in one, asyncpg makes it a savepoint: the event's effect and its processed_events row still
    stand or fall together, and the batch commits once.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        yield self.conn
