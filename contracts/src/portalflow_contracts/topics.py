"""Kafka topic names and their partition counts: the one place they are defined."""

FLOW_DEFINITIONS = "portalflow.flow-definitions"
"""All configuration of an org, keyed by org id so that it stays in order."""

OPPORTUNITIES = "portalflow.opportunities"
"""Opportunity lifecycle, keyed by opportunity id."""

CUSTOMER_EVENTS = "portalflow.customer-events"
"""What customers did in the portal, keyed by opportunity id."""

PARTITIONS: dict[str, int] = {
    FLOW_DEFINITIONS: 3,
    OPPORTUNITIES: 6,
    CUSTOMER_EVENTS: 6,
}


DEAD_LETTER_PARTITIONS = 1
"""One partition: operators read and replay failures in the order they happened."""


def dead_letter_topic(consumer_group: str) -> str:
    """The dead-letter topic of one consumer group."""
    return f"portalflow.dead-letter.{consumer_group}"
