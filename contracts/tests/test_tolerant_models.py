"""Wire models read tolerantly and write strictly; every event stays within its bounds."""

import json

import pytest
from pydantic import ValidationError

from portalflow_contracts.envelope import (
    MAX_HEADER_BYTES,
    Envelope,
    MalformedEnvelopeError,
    from_kafka,
    to_kafka,
)
from portalflow_contracts.events.customer import CustomerSetFieldValue, CustomerSubmittedDrawing
from portalflow_contracts.events.flow import FieldBinding, SubstatePortalConfigSaved
from portalflow_contracts.registry import parse
from portalflow_contracts.values import MAX_JSON_BYTES, MAX_LOCALES, STRICT


def test_reading_ignores_fields_a_newer_producer_added():
    event = parse(SubstatePortalConfigSaved.type, {
        "opportunity_type_id": "t", "substate_id": "s", "layout": "wide",
        "fields": [{"field": "f", "required": True, "hint": {"es": "Pista"}}]})
    assert event.fields == (FieldBinding(field="f", required=True),)
    assert event.model_dump(mode="json") == {
        "opportunity_type_id": "t", "substate_id": "s", "public_name": None,
        "description": None, "panel": None,
        "fields": [{"field": "f", "required": True, "read_only": False}], "conditions": []}


def test_what_is_written_is_exactly_what_the_model_has():
    envelope = Envelope.wrap(SubstatePortalConfigSaved.model_validate({
        "opportunity_type_id": "t", "substate_id": "s", "layout": "wide"}),
        source="test", subject="t", org_id="o", correlation_id="c")
    assert set(json.loads(to_kafka(envelope)[2])) == set(SubstatePortalConfigSaved.model_fields)


def test_a_strict_twin_refuses_unknown_fields_and_takes_the_wire_model():
    class FieldBindingBody(FieldBinding):
        model_config = STRICT

    with pytest.raises(ValidationError, match="extra_forbidden|Extra inputs"):
        FieldBindingBody.model_validate({"field": "f", "hint": "x"})
    assert FieldBindingBody.model_validate(FieldBinding(field="f")).field == "f"


@pytest.mark.parametrize(("event", "data", "loc"), [
    (CustomerSetFieldValue, {"field_id": "f", "value": "x" * MAX_JSON_BYTES}, ("value",)),
    (CustomerSubmittedDrawing, {"roof": {"p": "x" * MAX_JSON_BYTES}, "roof_area_m2": 1},
     ("roof",)),
    (CustomerSetFieldValue, {"field_id": "f" * 101, "value": 1}, ("field_id",)),
    (SubstatePortalConfigSaved, {"opportunity_type_id": "t", "substate_id": "s", "public_name": {
        f"{chr(97 + n // 26)}{chr(97 + n % 26)}": "x" for n in range(MAX_LOCALES + 1)}},
     ("public_name",)),
])
def test_what_a_reader_accepts_is_bounded(event, data, loc):
    with pytest.raises(ValidationError) as refused:
        event.model_validate({"opportunity_id": "o", **data})
    assert [e["loc"][:len(loc)] for e in refused.value.errors()] == [loc]


def test_a_record_with_an_oversized_attribute_is_malformed():
    event = SubstatePortalConfigSaved(opportunity_type_id="t", substate_id="s")
    headers, _, value = to_kafka(Envelope.wrap(event, source="test", subject="t", org_id="o",
                                               correlation_id="c" * (MAX_HEADER_BYTES + 1)))
    with pytest.raises(MalformedEnvelopeError, match="'ce_correlationid' takes 1,025 bytes"):
        from_kafka(headers, value)
