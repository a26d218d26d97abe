"""Why a customer request is refused; entrypoints map each kind to one HTTP status."""


class PortalError(Exception):
    """Base of every refusal."""


class NotFoundError(PortalError):
    """Nothing the customer may see exists at that address."""


class ActionNotAllowedError(PortalError):
    """The action does not fit the current step (409)."""


class InvalidActionError(PortalError):
    """A value of the request is not accepted (422); each problem names where it is."""

    def __init__(self, *problems: tuple[tuple[str | int, ...], str]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class StepIncompleteError(PortalError):
    """The step cannot complete yet (422); `missing` lists exactly what it still needs."""

    def __init__(self, message: str, missing: dict) -> None:
        super().__init__(message)
        self.missing = missing
