"""Every event type on the wire, looked up by its CloudEvents `type`."""

from portalflow_contracts.events import catalog, customer, flow, opportunity  # noqa: F401
from portalflow_contracts.events.base import Event


def _concrete(base: type[Event]) -> list[type[Event]]:
    found = []
    for cls in base.__subclasses__():
        if "type" in vars(cls):
            found.append(cls)
        found += _concrete(cls)
    return found


EVENT_TYPES: dict[str, type[Event]] = {cls.type: cls for cls in _concrete(Event)}


class UnknownEventTypeError(LookupError):
    pass


def parse(event_type: str, data: dict) -> Event:
    """Validate `data` as the payload of `event_type`."""
    try:
        model = EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventTypeError(f"unknown event type {event_type!r}") from None
    return model.model_validate(data)
