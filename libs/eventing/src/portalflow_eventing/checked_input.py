"""Requests checked for what no field can hold, before FastAPI validates them: text that
PostgreSQL cannot store (NUL) or that is not Unicode (lone surrogates), and JSON numbers whose
digits a float would lose. Each is refused with a 422 naming where it is."""

import json
import math
import re
from collections.abc import Callable, Coroutine, Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from portalflow_eventing.problems import RefusedInputError

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What PostgreSQL cannot store in text (NUL) and what is not Unicode (lone surrogates)."""
MAX_INTEGER = 2**31 - 1
"""PostgreSQL's `integer`: the bound of every integer a request gives (versions, positions)."""
MAX_REFUSED = 20
"""The most values a refusal names: enough to fix them, never an answer as large as the body."""
_NUL = "NUL (\\u0000) is not accepted in text"
_SURROGATE = "a lone surrogate (\\ud800-\\udfff) is not text: send valid Unicode"
_INEXACT = ("this number has more significant digits than a number keeps exactly (at most "
            "15): send fewer digits")
_NOT_FINITE = "NaN and Infinity are not JSON numbers: send a finite number"


class CheckedRoute(APIRoute):
    """A route whose path, query, form and JSON body are checked first (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def checked(request: Request) -> Response:
            named = chain(_texts("path", request.path_params.items()),
                          _texts("query", request.query_params.multi_items()))
            if refused := list(islice(named, MAX_REFUSED)):
                raise RequestValidationError(refused)
            return await handle(CheckedRequest(request.scope, request.receive))

        return checked


class CheckedRequest(Request):
    """A request whose `json()` and `form()` refuse what `CheckedRoute` refuses."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            numbers = _Numbers()
            value = json.loads(body, parse_float=numbers.parse, parse_constant=numbers.parse)
            # Such text comes only from an escape (`\\u…`) or raw surrogates (UTF-8 0xED…).
            suspect = numbers.refused or b"\\u" in body or b"\xed" in body
            if suspect and (refused := list(islice(_unstorable(value), MAX_REFUSED))):
                raise RefusedInputError(refused)
            self._json = value
        return self._json

    async def form(self, **limits: Any) -> FormData:  # type: ignore[override]
        form = await super().form(**limits)
        named = [(key, value if isinstance(value, str) else value.filename or "")
                 for key, value in form.multi_items()]
        if refused := list(islice(_texts("body", named), MAX_REFUSED)):
            await form.close()
            raise RefusedInputError(refused)
        return form


class _Refused(float):
    """A JSON number that cannot be kept as a float; `reason` says why."""

    reason: str


class _Numbers:
    """Parses JSON's non-integer numbers, marking those a float cannot keep."""

    def __init__(self) -> None:
        self.refused = False

    def parse(self, text: str) -> float:
        number = float(text)
        reason = (_NOT_FINITE if not math.isfinite(number) else
                  _INEXACT if repr(number) != text and Decimal(repr(number)) != Decimal(text)
                  else None)
        if reason is None:
            return number
        self.refused = True
        marked = _Refused(0.0)
        marked.reason = reason
        return marked


def _unstorable(value: Any) -> Iterator[dict[str, Any]]:
    """Each text or number of a decoded JSON value that cannot be kept, with its location."""
    stack: list[tuple[tuple, Any]] = [(("body",), value)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, str):
            yield from _text(loc, item)
        elif isinstance(item, _Refused):
            yield {"loc": list(loc), "msg": item.reason, "type": "value_error"}
        elif isinstance(item, dict):
            for key, member in item.items():
                yield from _text((*loc, key), key)
                stack.append(((*loc, key), member))
        elif isinstance(item, list):
            stack.extend(((*loc, index), member) for index, member in enumerate(item))


def _texts(where: str, items: Iterable[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    for name, text in items:
        yield from _text((where, name), name)
        yield from _text((where, name), text)


def _text(loc: tuple, text: str) -> Iterator[dict[str, Any]]:
    if found := UNSTORABLE.search(text):
        yield {"loc": list(loc), "msg": _NUL if found.group() == "\x00" else _SURROGATE,
               "type": "value_error"}
