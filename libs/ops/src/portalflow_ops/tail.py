"""`tail`: events on the topics as they arrive (or from the beginning), filtered, one a line."""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import ConsumerRecord

from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka
from portalflow_contracts.topics import PARTITIONS
from portalflow_ops import brokers, events
from portalflow_ops.console import Output

ALL_TOPICS = tuple(PARTITIONS)


@dataclass(frozen=True)
class Filters:
    """Which events to show; None matches all."""

    opportunity: str | None = None
    org: str | None = None
    type: str | None = None

    def match(self, envelope: Envelope) -> bool:
        return ((self.opportunity is None or envelope.subject == self.opportunity)
                and (self.org is None or envelope.org_id == self.org)
                and (self.type is None or self.type in envelope.type))


async def tail(bootstrap_servers: str, output: Output, topics: Sequence[str] = ALL_TOPICS, *,
               filters: Filters = Filters(), as_json: bool = False, from_beginning: bool = False,
               limit: int | None = None, timeout: float | None = None) -> int:
    """Print matching events until `limit` are shown or `timeout` seconds pass; return how many."""
    deadline = None if timeout is None else time.monotonic() + timeout
    shown = 0
    async with brokers.connected(bootstrap_servers) as broker:
        partitions = await broker.partitions(topics or ALL_TOPICS)
        begin, end = await broker.bounds(partitions)
        broker.consumer.assign(partitions)
        for tp in partitions:
            broker.consumer.seek(tp, begin[tp] if from_beginning else end[tp])
        while limit is None or shown < limit:
            wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if wait <= 0:
                break
            batches = await broker.consumer.getmany(timeout_ms=int(wait * 1000))
            for record in _in_order(batches):
                envelope = _decode(record, output)
                if envelope is None or not filters.match(envelope):
                    continue
                _show(output, record, envelope, as_json)
                shown += 1
                if shown == limit:
                    break
    return shown


def _in_order(batches: dict) -> list[ConsumerRecord]:
    # Each partition in offset order: the order that holds for one key (subject or org).
    # Across partitions there is no order to keep.
    return [r for _, records in sorted(batches.items()) for r in records]


def _decode(record: ConsumerRecord, output: Output) -> Envelope | None:
    try:
        return from_kafka(record.headers, record.value)
    except MalformedEnvelopeError as error:
        output.warn(f"{record.topic}/{record.partition}/{record.offset}: {error}")
        return None


def _show(output: Output, record: ConsumerRecord, envelope: Envelope, as_json: bool) -> None:
    if as_json:
        document = {**events.as_json(envelope), "topic": record.topic,
                    "partition": record.partition, "offset": record.offset}
        output.raw(json.dumps(document, ensure_ascii=False, default=str))
    else:
        output.line(*events.line(envelope))
