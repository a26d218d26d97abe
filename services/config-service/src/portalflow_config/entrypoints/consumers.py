"""What config-service consumes: customer events, each type applied by its rule."""

from portalflow_config.application import customer_actions
from portalflow_eventing.consumer import Handler

HANDLERS: dict[str, Handler] = dict.fromkeys(customer_actions.RULES,
                                             customer_actions.apply_customer_event)
APPLY_TOGETHER = customer_actions.apply_customer_events
"""A batch's customer events in one read and one append, rather than one of each per event."""
