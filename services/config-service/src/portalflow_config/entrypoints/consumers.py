"""Subscribers of config-service: customer events become substate transitions."""

from portalflow_config.application import opportunities
from portalflow_contracts.events.customer import CustomerAcceptedOffer
from portalflow_eventing.consumer import Handler

HANDLERS: dict[str, Handler] = {
    CustomerAcceptedOffer.type: opportunities.on_customer_accepted_offer,
}
