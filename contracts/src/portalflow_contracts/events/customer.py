"""What customers did in the portal, keyed by opportunity id."""

from portalflow_contracts.events.base import Event
from portalflow_contracts.topics import CUSTOMER_EVENTS


class CustomerEvent(Event):
    topic = CUSTOMER_EVENTS
    opportunity_id: str


class CustomerAcceptedOffer(CustomerEvent):
    type = "portalflow.customer.offer-accepted.v1"
    offer_id: str
