"""The CloudEvents 1.0 envelope in Kafka binary mode: `ce_*` headers, JSON data."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import uuid4

from cloudevents.core.bindings import kafka
from cloudevents.core.v1.event import CloudEvent

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import FLOW_DEFINITIONS

EXTENSIONS = {"orgid": "org_id", "correlationid": "correlation_id", "causationid": "causation_id",
              "actor": "actor"}


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event with its metadata, as it travels between the services."""

    type: str
    source: str
    subject: str
    org_id: str
    data: dict
    correlation_id: str
    causation_id: str | None = None
    actor: str | None = None
    id: str = field(default_factory=lambda: str(uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def wrap(cls, event: Event, *, source: str, subject: str, org_id: str, correlation_id: str,
             causation_id: str | None = None, actor: str | None = None) -> "Envelope":
        """Envelope an event payload."""
        return cls(type=event.type, source=source, subject=subject, org_id=org_id,
                   data=event.model_dump(mode="json"), correlation_id=correlation_id,
                   causation_id=causation_id, actor=actor)

    @property
    def topic(self) -> str:
        from portalflow_contracts.registry import EVENT_TYPES

        return EVENT_TYPES[self.type].topic

    @property
    def key(self) -> str:
        """The partition key: the org for flow definitions, else the aggregate."""
        return self.org_id if self.topic == FLOW_DEFINITIONS else self.subject


def to_kafka(envelope: Envelope) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
    """Headers, key and value of the Kafka record carrying `envelope`."""
    attributes = {"id": envelope.id, "source": envelope.source, "type": envelope.type,
                  "subject": envelope.subject, "time": envelope.time,
                  "datacontenttype": "application/json"}
    for extension, name in EXTENSIONS.items():
        if (value := getattr(envelope, name)) is not None:
            attributes[extension] = value
    message = kafka.to_binary_event(CloudEvent(attributes, envelope.data))
    return list(message.headers.items()), envelope.key.encode(), message.value


MAX_HEADER_BYTES = 1024
"""The most an attribute header may take: a consumer copies correlation id and org into the
events it writes, which must stay far below the event size limit."""


class MalformedEnvelopeError(ValueError):
    pass


def from_kafka(headers: Iterable[tuple[str, bytes]], value: bytes) -> Envelope:
    """Read a Kafka record in CloudEvents binary mode back into an envelope."""
    named = dict(headers)
    for name, raw in named.items():
        if raw is not None and len(raw) > MAX_HEADER_BYTES:
            raise MalformedEnvelopeError(f"header {name[:40]!r} takes {len(raw):,} bytes; at "
                                         f"most {MAX_HEADER_BYTES:,} are accepted")
    return _as_written(named, value) or _read_with_sdk(named, value)


_WRITTEN = {"ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "ce_specversion",
            "content-type", *(f"ce_{extension}" for extension in EXTENSIONS)}


def _as_written(named: dict[str, bytes], value: bytes) -> Envelope | None:
    """The envelope of a record in exactly the form `to_kafka` writes, read without the SDK
    (whose parse costs several times more: most of a read-model rebuild); None for any other
    form, which the SDK reads or refuses. Both read such a record the same way."""
    if (not named.keys() <= _WRITTEN or named.get("ce_specversion") != b"1.0"
            or named.get("content-type") != b"application/json"):
        return None
    try:
        attributes = {name[3:]: raw.decode() for name, raw in named.items()
                      if name.startswith("ce_")}
        time = datetime.fromisoformat(attributes["time"])
        data = json.loads(value.decode())
    except (KeyError, ValueError, AttributeError):  # the SDK says what is wrong, if anything
        return None
    extensions = {name: attributes.get(ext) for ext, name in EXTENSIONS.items()}
    if (not (attributes["id"] and attributes["source"] and attributes["type"])
            or attributes.get("subject") == "" or time.tzinfo is None
            or extensions["org_id"] is None or extensions["correlation_id"] is None):
        return None
    return Envelope(id=attributes["id"], type=attributes["type"], source=attributes["source"],
                    subject=attributes.get("subject", ""), time=time, data=data, **extensions)


def _read_with_sdk(named: dict[str, bytes], value: bytes) -> Envelope:
    try:
        event = kafka.from_binary_event(kafka.KafkaMessage(named, None, value))
        attributes = event.get_attributes()
        extensions = {name: attributes.get(ext) for ext, name in EXTENSIONS.items()}
        if extensions["org_id"] is None or extensions["correlation_id"] is None:
            raise MalformedEnvelopeError("ce_orgid and ce_correlationid headers are required")
        return Envelope(id=event.get_id(), type=event.get_type(), source=event.get_source(),
                        subject=event.get_subject() or "", time=event.get_time(),
                        data=event.get_data(), **extensions)
    except MalformedEnvelopeError:
        raise
    except Exception as error:  # the SDK raises several unrelated types
        raise MalformedEnvelopeError(f"not a CloudEvents binary-mode record: {error}") from error
