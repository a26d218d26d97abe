"""Commands that change the structure of a flow: imperative, small, carrying new ids."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RenameOpportunityType:
    name: str


@dataclass(frozen=True)
class ArchiveOpportunityType:
    pass


@dataclass(frozen=True)
class AddState:
    state_id: str
    name: str
    position: int | None = None
    icon: str | None = None
    colour: str | None = None


@dataclass(frozen=True)
class RenameState:
    state_id: str
    name: str


@dataclass(frozen=True)
class ChangeStateAppearance:
    state_id: str
    icon: str | None
    colour: str | None


@dataclass(frozen=True)
class ReorderStates:
    state_ids: tuple[str, ...]


@dataclass(frozen=True)
class RemoveState:
    state_id: str


@dataclass(frozen=True)
class AddSubstate:
    state_id: str
    substate_id: str
    name: str
    position: int | None = None


@dataclass(frozen=True)
class RenameSubstate:
    substate_id: str
    name: str


@dataclass(frozen=True)
class ReorderSubstates:
    state_id: str
    substate_ids: tuple[str, ...]


@dataclass(frozen=True)
class RemoveSubstate:
    substate_id: str


StructureCommand = (RenameOpportunityType | ArchiveOpportunityType | AddState | RenameState
                    | ChangeStateAppearance | ReorderStates | RemoveState | AddSubstate
                    | RenameSubstate | ReorderSubstates | RemoveSubstate)
