"""The AsyncAPI 3.0 document of Portalflow's topics, generated from the event models."""

from portalflow_contracts.registry import EVENT_TYPES
from portalflow_contracts.topics import (
    CUSTOMER_EVENTS,
    FLOW_DEFINITIONS,
    OPPORTUNITIES,
    PARTITIONS,
    dead_letter_topic,
)

CONSUMER_GROUPS = {"config-service": [CUSTOMER_EVENTS],
                   "portal-service.read-model": [FLOW_DEFINITIONS, OPPORTUNITIES]}
PRODUCERS = {FLOW_DEFINITIONS: "config-service", OPPORTUNITIES: "config-service",
             CUSTOMER_EVENTS: "portal-service"}
KEYS = {FLOW_DEFINITIONS: "the org id", OPPORTUNITIES: "the opportunity id",
        CUSTOMER_EVENTS: "the opportunity id"}

HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time",
                 "ce_orgid", "ce_correlationid", "content-type"],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Unique per event."},
        "ce_source": {"type": "string", "enum": ["config-service", "portal-service"]},
        "ce_type": {"type": "string", "description": "Versioned event type."},
        "ce_subject": {"type": "string", "description": "The aggregate the event is about."},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_orgid": {"type": "string", "description": "The org (tenant)."},
        "ce_correlationid": {"type": "string", "description": "One id per conversation."},
        "ce_causationid": {"type": "string", "description": "The event that caused this one."},
        "ce_actor": {"type": "string", "description": "user:<id>, customer:<opportunity>."},
        "content-type": {"const": "application/json"},
    },
}


def _message_name(event_type: str) -> str:
    return event_type.removeprefix("portalflow.").replace(".", "-")


def document() -> dict:
    """The whole AsyncAPI document."""
    channels, messages, schemas, operations = {}, {}, {}, {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        name = _message_name(event_type)
        schema = model.model_json_schema(mode="serialization",
                                         ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {"name": event_type, "title": event_type, "contentType":
                          "application/json", "summary": (model.__doc__ or "").strip(),
                          "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                          "payload": {"$ref": f"#/components/schemas/{name}"}}
    schemas["CloudEventHeaders"] = HEADERS
    for topic, partitions in PARTITIONS.items():
        names = sorted(_message_name(t) for t, m in EVENT_TYPES.items() if m.topic == topic)
        channels[topic] = {
            "address": topic, "messages": {n: {"$ref": f"#/components/messages/{n}"}
                                           for n in names},
            "description": f"{partitions} partitions, keyed by {KEYS[topic]}; "
                           "unlimited retention."}
        operations[f"{PRODUCERS[topic]}-sends-{topic}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{topic}"}}
    for group, topics in CONSUMER_GROUPS.items():
        for topic in topics:
            operations[f"{group}-receives-{topic}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{topic}"},
                "description": f"Consumer group `{group}`; offsets committed after the effect; "
                               f"dead letters to `{dead_letter_topic(group)}`."}
    return {"asyncapi": "3.0.0",
            "info": {"title": "Portalflow events", "version": "1",
                     "description": "CloudEvents 1.0 in Kafka binary mode: ce_* headers, "
                                    "JSON data."},
            "defaultContentType": "application/json", "channels": channels,
            "operations": operations,
            "components": {"messages": messages, "schemas": schemas}}
