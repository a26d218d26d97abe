"""What every event payload has in common."""

from typing import ClassVar

from portalflow_contracts.values import Frozen


class Event(Frozen):
    """An event payload: its CloudEvents `type` and topic are class attributes."""

    type: ClassVar[str]
    topic: ClassVar[str]
