"""The wire contracts: checked-in schemas match the models, the envelope survives Kafka."""

import json

import pytest

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
