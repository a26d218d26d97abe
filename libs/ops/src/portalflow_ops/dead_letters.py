"""Dead letters: read them back, show one, replay the original record to its topic.

The idempotent consumer writes a dead letter as the original record (value, key, headers)
plus `x-dead-letter-error`, `-attempts` and `-origin` ("topic/partition/offset") headers; a
record too large to copy becomes a reference (`x-dead-letter-reference: true`, a JSON value
naming the original's place, size and CloudEvents id and type).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata

from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka
from portalflow_contracts.topics import dead_letter_topic
from portalflow_ops import brokers, events
from portalflow_ops.errors import OpsError

PREFIX = dead_letter_topic("")
HEADER_PREFIX = "x-dead-letter-"


class DeadLetterNotFoundError(OpsError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def group(self) -> str:
        return self.topic.removeprefix(PREFIX)

    @property
    def position(self) -> str:
        return f"{self.partition}/{self.offset}"

    @property
    def reference(self) -> dict | None:
        """What a reference says of the original record, if this dead letter is one."""
        if events.header(self.headers, f"{HEADER_PREFIX}reference") != "true":
            return None
        try:
            return json.loads(self.value or b"")
        except ValueError:
            return {}

    @property
    def event_id(self) -> str | None:
        if (reference := self.reference) is not None:
            return reference.get("headers", {}).get("ce_id")
        return events.header(self.headers, "ce_id")

    @property
    def error(self) -> str | None:
        return events.header(self.headers, f"{HEADER_PREFIX}error")

    @property
    def attempts(self) -> int | None:
        attempts = events.header(self.headers, f"{HEADER_PREFIX}attempts")
        return int(attempts) if attempts and attempts.isdigit() else None

    @property
    def origin(self) -> tuple[str, int, int] | None:
        """Topic, partition and offset of the original record."""
        origin = events.header(self.headers, f"{HEADER_PREFIX}origin")
        try:
            topic, partition, offset = origin.rsplit("/", 2)
            return topic, int(partition), int(offset)
        except (AttributeError, ValueError):
            return None

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(HEADER_PREFIX)]

    def envelope(self) -> Envelope | MalformedEnvelopeError:
        """The original event, or why it cannot be read as one."""
        try:
            return from_kafka(self.original_headers, self.value)
        except MalformedEnvelopeError as error:
            return error

    def as_json(self) -> dict:
        envelope = self.envelope()
        topic, partition, offset = self.origin or (None, None, None)
        return {
            "dead_letter": {"group": self.group, "topic": self.topic,
                            "partition": self.partition, "offset": self.offset},
            "event_id": self.event_id, "error": self.error, "attempts": self.attempts,
            "origin": {"topic": topic, "partition": partition, "offset": offset},
            "key": self.key.decode(errors="replace") if self.key is not None else None,
            "envelope": events.as_json(envelope) if isinstance(envelope, Envelope) else None,
            "malformed": str(envelope) if isinstance(envelope, Exception) else None,
            "reference": self.reference,
        }


async def read(bootstrap_servers: str, group: str | None = None) -> list[DeadLetter]:
    """Every dead letter of `group`, or of every group; oldest first per topic."""
    async with brokers.connected(bootstrap_servers) as broker:
        topics = await broker.topics(dead_letter_topic(group) if group else PREFIX)
        if group:  # the prefix also matches longer group names
            topics = [t for t in topics if t == dead_letter_topic(group)]
        partitions = await broker.partitions(topics)
        begin, end = await broker.bounds(partitions)
        found = [DeadLetter(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                 async for batch in broker.read(begin, end) for r in batch]
    return sorted(found, key=lambda d: (d.topic, d.partition, d.offset))


def find(letters: Iterable[DeadLetter], ident: str) -> list[DeadLetter]:
    """Those named by `ident`: an event id, or PARTITION/OFFSET in one dead-letter topic."""
    letters = list(letters)
    if by_id := [d for d in letters if d.event_id == ident]:
        return by_id
    by_position = [d for d in letters if d.position == ident]
    if len(groups := sorted({d.group for d in by_position})) > 1:
        raise DeadLetterNotFoundError(
            f"{ident} is a position in the dead-letter topics of {len(groups)} groups"
            f" ({', '.join(groups[:3])}{', ...' if len(groups) > 3 else ''}): add --group")
    if not by_position:
        raise DeadLetterNotFoundError(
            f"no dead letter with event id or PARTITION/OFFSET {ident!r};"
            " `dead-letters list` shows them")
    return by_position


def distinct(letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """One dead letter per original record: an event dead-lettered twice is replayed once."""
    seen: dict[object, DeadLetter] = {}
    for letter in letters:
        seen.setdefault(letter.origin or (letter.topic, letter.position), letter)
    return list(seen.values())


async def replay(producer: AIOKafkaProducer, letter: DeadLetter) -> RecordMetadata:
    """Publish the original record again to its original topic, so its consumers retry it."""
    if letter.origin is None:
        raise OpsError(f"dead letter {letter.topic} {letter.position} has no readable "
                       f"{HEADER_PREFIX}origin header: cannot tell where it came from")
    if letter.reference is not None:
        raise OpsError(f"dead letter {letter.topic} {letter.position} is only a reference: the"
                       " record was too large to copy; it is still at "
                       f"{'/'.join(map(str, letter.origin))} (its producer's store holds it too)")
    topic, partition, _ = letter.origin
    # Keyed records go where the key sends them, as the relay sent the original.
    return await producer.send_and_wait(
        topic, value=letter.value, key=letter.key, headers=letter.original_headers,
        partition=partition if letter.key is None else None)
