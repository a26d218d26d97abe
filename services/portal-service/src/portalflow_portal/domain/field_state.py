"""A field's value as the customer sees it: their own writes at once, echoes in any order.

Each field holds the value config-service last confirmed and, while one is on its way, the
customer's latest write with the position of its customer event in the portal's outbox:
{"confirmed": value, "pending": {"value": value, "position": int} | None}.
"""

EMPTY = {"confirmed": None, "pending": None}


def shown(state: dict | None) -> object:
    """The value the customer sees: their pending write, else the confirmed value."""
    state = state or EMPTY
    return state["pending"]["value"] if state["pending"] else state["confirmed"]


def customer_wrote(state: dict | None, value: object, position: int) -> dict:
    """The customer set the value; their event sits at `position` in the outbox."""
    return {**(state or EMPTY), "pending": {"value": value, "position": position}}


def confirmed(state: dict | None, value: object, caused_by: int | None) -> dict:
    """config-service recorded a value, caused by the customer event at `caused_by` if ours."""
    state = state or EMPTY
    pending = state["pending"]
    if pending and caused_by is not None and caused_by >= pending["position"]:
        pending = None  # the echo of the customer's latest write: nothing is on its way now
    return {"confirmed": value, "pending": pending}


def rejected(state: dict | None, position: int) -> dict:
    """config-service refused the customer event at `position`: drop it if still pending."""
    state = state or EMPTY
    pending = state["pending"]
    if pending and pending["position"] == position:
        pending = None
    return {**state, "pending": pending}
