"""Pure ASGI middleware at the edge of both apps: body limits before reading, and the headers
of answers that do not set their own."""

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portalflow_eventing.problems import problem


class BodyTooLargeError(Exception):
    """Raised into the app's receive: it stops whatever reads the body, parser or handler."""


class _Reading:
    __slots__ = ("received", "refused", "started")

    def __init__(self) -> None:
        self.received, self.refused, self.started = 0, False, False


def _too_large(limit: int) -> ASGIApp:
    return problem(413, f"the request body may have at most {limit} bytes",
                   headers={"Connection": "close"}, limit=limit)


class BodyLimit:
    """413 for a body over its route's limit: from Content-Length before anything is read, and
    while streaming (chunked, or a Content-Length that lies) as soon as the limit is passed.

    `routes` are (method, path regex, limit), first match wins; every other body has `default`.
    """

    def __init__(self, app: ASGIApp, default: int,
                 routes: Sequence[tuple[str, str, int]] = ()) -> None:
        self.app, self.default = app, default
        self.routes = [(method, re.compile(pattern), limit) for method, pattern, limit in routes]

    def limit(self, method: str, path: str) -> int:
        """The most bytes a body of `method` `path` may have."""
        for route_method, pattern, limit in self.routes:
            if route_method == method and pattern.fullmatch(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = chunked = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = value
        if chunked is None and (length is None or length == b"0"):
            return await self.app(scope, receive, send)  # no body: nothing to count
        limit = self.limit(scope["method"], scope["path"])
        if length is not None and not length.isdigit():
            return await problem(400, "Content-Length must be one whole number of bytes",
                                 headers={"Connection": "close"})(scope, receive, send)
        if length is not None and int(length) > limit:
            return await _too_large(limit)(scope, receive, send)
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        reading = _Reading()

        async def counting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                reading.received += len(message.get("body", b""))
                if reading.received > limit:
                    reading.refused = True
                    raise BodyTooLargeError
            return message

        async def sending(message: Message) -> None:
            if reading.refused:
                return  # whatever the app makes of the interruption, the answer is ours
            if message["type"] == "http.response.start":
                reading.started = True
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except Exception:
            if not reading.refused:
                raise
        if reading.refused and not reading.started:
            await _too_large(limit)(scope, receive, send)


DEFAULT_HEADERS = {b"cache-control": b"no-store", b"x-content-type-options": b"nosniff"}


class ResponseDefaults:
    """`Cache-Control: no-store` and `X-Content-Type-Options: nosniff` on every answer that
    does not set its own: the APIs answer with an org's or a customer's data, which no shared
    cache may keep, and no browser may take for another type than the one stated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name for name, _ in headers if name in DEFAULT_HEADERS}
                if len(present) < len(DEFAULT_HEADERS):
                    message["headers"] = headers + [
                        item for item in DEFAULT_HEADERS.items() if item[0] not in present]
            await send(message)

        await self.app(scope, receive, sending)


MULTIPART_ALLOWANCE = 64 * 1024
"""What a multipart body may carry beside its file: boundaries, part headers, a few fields."""


def upload_body_limit(max_upload_bytes: int) -> int:
    """The body limit of an upload route whose file may have `max_upload_bytes`."""
    return max_upload_bytes + MULTIPART_ALLOWANCE
