"""Every event type on the wire, looked up by its CloudEvents `type`."""

from portalflow_contracts.events import customer, flow, opportunity
from portalflow_contracts.events.base import Event

EVENT_TYPES: dict[str, type[Event]] = {
    model.type: model
    for model in (
        flow.OpportunityTypeCreated,
        flow.StatePortalInfoSaved,
        flow.SubstatePortalConfigSaved,
        flow.ExternalActionMapped,
        opportunity.OpportunityOpened,
        opportunity.SubstateChanged,
        opportunity.OfferIssued,
        opportunity.OfferAccepted,
        opportunity.OfferRejected,
        opportunity.PortalAccessGranted,
        opportunity.CustomerActionRejected,
        customer.CustomerAcceptedOffer,
    )
}


class UnknownEventTypeError(LookupError):
    pass


def parse(event_type: str, data: dict) -> Event:
    """Validate `data` as the payload of `event_type`."""
    try:
        model = EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventTypeError(f"unknown event type {event_type!r}") from None
    return model.model_validate(data)
