"""The CloudEvents 1.0 envelope in Kafka binary mode: `ce_*` headers, JSON data."""

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


class MalformedEnvelopeError(ValueError):
    pass


def from_kafka(headers: Iterable[tuple[str, bytes]], value: bytes) -> Envelope:
    """Read a Kafka record in CloudEvents binary mode back into an envelope."""
    try:
        event = kafka.from_binary_event(kafka.KafkaMessage(dict(headers), None, value))
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
