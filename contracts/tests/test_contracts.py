"""The wire contracts: checked-in schemas match the models, the envelope survives Kafka."""

import json
from dataclasses import replace

import pytest

from portalflow_contracts import envelope as envelope_module
from portalflow_contracts import schema
from portalflow_contracts.envelope import Envelope, MalformedEnvelopeError, from_kafka, to_kafka
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_contracts.events.flow import SubstatePortalConfigSaved
from portalflow_contracts.registry import EVENT_TYPES, UnknownEventTypeError, parse
from portalflow_contracts.topics import CUSTOMER_EVENTS, FLOW_DEFINITIONS


def test_checked_in_json_schemas_match_the_models():
    rendered = schema.render()
    on_disk = {p.name: p.read_text() for p in schema.SCHEMA_DIR.glob("*.json")}
    assert on_disk == rendered, "run `make schemas` and commit contracts/schemas"


def test_every_event_type_is_versioned_and_has_a_topic():
    for event_type, model in EVENT_TYPES.items():
        assert event_type.startswith("portalflow.") and event_type.rsplit(".", 1)[1] == "v1"
        assert model.topic


def test_envelope_round_trips_through_binary_mode_headers():
    event = CustomerAcceptedOffer(opportunity_id="opp-1", offer_id="offer-1")
    envelope = Envelope.wrap(event, source="portal-service", subject="opp-1", org_id="acme",
                             correlation_id="corr-1", causation_id="cause-1",
                             actor="customer:opp-1")

    headers, key, value = to_kafka(envelope)

    names = dict(headers)
    assert names["ce_type"] == b"portalflow.customer.offer-accepted.v1"
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_orgid"] == b"acme" and names["ce_correlationid"] == b"corr-1"
    assert names["content-type"] == b"application/json"
    assert key == b"opp-1" and json.loads(value) == event.model_dump(mode="json")
    assert from_kafka(headers, value) == envelope
    assert envelope.topic == CUSTOMER_EVENTS


def test_flow_events_are_keyed_by_org():
    event = SubstatePortalConfigSaved(opportunity_type_id="type-1", substate_id="sub-1")
    envelope = Envelope.wrap(event, source="config-service", subject="type-1", org_id="acme",
                             correlation_id="c")
    assert envelope.topic == FLOW_DEFINITIONS
    assert to_kafka(envelope)[1] == b"acme"


def test_a_record_without_cloud_events_headers_is_malformed():
    with pytest.raises(MalformedEnvelopeError):
        from_kafka([("content-type", b"application/json")], b"{}")


def test_parse_refuses_unknown_types_and_invalid_payloads():
    with pytest.raises(UnknownEventTypeError):
        parse("portalflow.nothing.v1", {})
    with pytest.raises(ValueError, match="offer_id"):
        parse(CustomerAcceptedOffer.type, {"opportunity_id": "opp-1"})


def _written(**changes: bytes | None) -> tuple[list[tuple[str, bytes]], bytes]:
    """A record as `to_kafka` writes it, with headers changed (None drops one)."""
    envelope = Envelope.wrap(CustomerAcceptedOffer(opportunity_id="opp-1", offer_id="offer-1"),
                             source="portal-service", subject="opp-1", org_id="acme",
                             correlation_id="corr-1", causation_id="cause-1")
    headers, _, value = to_kafka(envelope)
    named = {**dict(headers), **changes}
    return [(name, raw) for name, raw in named.items() if raw is not None], value


@pytest.mark.parametrize(("headers", "value"), [
    _written(),
    _written(ce_causationid=None, ce_subject=None),
    _written(ce_time=b"2025-03-01T10:00:00.5+01:00"),
    _written(ce_time=b"2025-03-01T10:00:00"),  # no time zone: refused
    _written(ce_time=None),
    _written(ce_subject=b""),  # refused
    _written(ce_id=b""),  # refused
    _written(ce_orgid=None),  # refused
    _written(ce_specversion=b"0.3"),
    _written(**{"content-type": b"text/plain"}),
    _written(CE_ACTOR=b"someone"),
    _written(ce_partitionkey=b"opp-1"),
    (_written()[0], b"not json"),
    (_written()[0], b""),
])
def test_records_read_without_the_sdk_read_as_the_sdk_reads_them(headers, value):
    def read(reader):
        try:
            return reader(dict(headers), value)
        except MalformedEnvelopeError:
            return "malformed"

    by_sdk = read(envelope_module._read_with_sdk)
    if isinstance(by_sdk, Envelope) and "ce_time" not in dict(headers):
        by_sdk = replace(by_sdk, time=None)  # the SDK stamps a missing time with now
        assert replace(from_kafka(headers, value), time=None) == by_sdk
    else:
        assert read(lambda named, raw: from_kafka(named.items(), raw)) == by_sdk
