"""Domain errors; entrypoints map each kind to one HTTP status."""


class DomainError(Exception):
    """Base of every rule violation."""


class NotFoundError(DomainError):
    """The thing does not exist, or belongs to another org."""


class InvalidError(DomainError):
    """A value breaks a configuration rule; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class ConflictError(DomainError):
    """The command does not fit the current state of the aggregate."""


class CustomerActionRejectedError(DomainError):
    """A customer event that cannot be applied; recorded, never retried."""


class InUseError(ConflictError):
    """Something to remove is still depended on; `references` lists what depends on it."""

    def __init__(self, message: str, references: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.references = references


class SubstateInUseError(InUseError):
    """A substate to remove is still pointed at by external actions or opportunities."""


class MappingInUseError(InUseError):
    """An external action to clear is what a substate's panel needs to move on."""
