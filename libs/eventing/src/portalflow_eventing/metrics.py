"""Prometheus metrics of every service; names follow the Prometheus conventions."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Histogram(
    "portalflow_http_request_duration_seconds", "HTTP requests by route and status.",
    ["method", "route", "status"])
EVENTS_APPENDED = Counter(
    "portalflow_events_appended_total", "Events appended to this service's event store.",
    ["type"])
EVENTS_PUBLISHED = Counter(
    "portalflow_events_published_total", "Events the outbox relay published to Kafka.",
    ["topic"])
RELAY_LAG = Gauge(
    "portalflow_relay_lag_events",
    "Committed events the relay has not published yet, those of parked keys included.")
EVENTS_CONSUMED = Counter(
    "portalflow_events_consumed_total",
    "Events consumed, by outcome: applied, duplicate (applied before) or ignored (no handler).",
    ["group", "type", "outcome"])
EVENTS_DEAD_LETTERED = Counter(
    "portalflow_events_dead_lettered_total", "Messages sent to a dead-letter topic.",
    ["group", "topic"])
HANDLER_DURATION = Histogram(
    "portalflow_handler_duration_seconds",
    "Time to apply an event: its share of its batch's transaction, commit included.",
    ["group", "type"])
CONSUMER_LAG = Gauge(
    "portalflow_consumer_lag_messages", "Messages on the partition after the one just handled.",
    ["group", "topic", "partition"])
RELAY_PARKED_KEYS = Gauge(
    "portalflow_relay_parked_keys",
    "Partition keys whose next event the relay cannot publish; their events wait.")
