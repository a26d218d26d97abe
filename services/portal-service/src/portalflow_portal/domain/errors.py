"""Why a customer request is refused; entrypoints map each kind to one HTTP status."""


class PortalError(Exception):
    """Base of every refusal."""


class NotFoundError(PortalError):
    """Nothing the customer may see exists at that address."""


class ActionNotAllowedError(PortalError):
    """The action does not fit the current step (409)."""
