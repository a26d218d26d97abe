"""Server-Sent Events: the customer's view, sent on connect and again whenever it changes."""

from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.types import Receive, Scope, Send

from portalflow_eventing.checked_input import CheckedRoute
from portalflow_eventing.problems import problem
from portalflow_portal.adapters import live
from portalflow_portal.application import portal
from portalflow_portal.domain.errors import NotFoundError
from portalflow_portal.entrypoints.deps import Locales, Token
from portalflow_portal.entrypoints.problem_schemas import READS

router = APIRouter(prefix="/v1/portal/opportunities/{opportunity_id}", tags=["portal"],
                   route_class=CheckedRoute, responses=READS)

PING_SECONDS = 15
VIEW_EVENT = "view"

Read = Callable[[], Awaitable[portal.Seen]]


class StreamCap:
    """At most `limit` streams open at once per access token, in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: dict[str, int] = {}

    def acquire(self, token: str) -> bool:
        """Count one more stream of `token`; False, counting nothing, if it has `limit`."""
        if (count := self.open.get(token, 0)) >= self.limit:
            return False
        self.open[token] = count + 1
        return True

    def release(self, token: str) -> None:
        """One stream of `token` has ended."""
        if (count := self.open.pop(token, 0)) > 1:
            self.open[token] = count - 1


class _CountedStream(EventSourceResponse):
    """A stream that gives its place back however it ends (closed, failed, cancelled)."""

    def __init__(self, *args, release: Callable[[], None], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


@router.get("/events", operation_id="stream_portal_view", response_class=EventSourceResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": (
                "`view` events, each the whole portal view as GET returns it (the event id is "
                "its ETag): the current one first, then each changed one. Comments keep the "
                "connection alive; the stream ends when portal access is revoked.")},
                429: {"description": "This token has as many streams open as it may."}})
async def stream_portal_view(opportunity_id: str, token: Token, locales: Locales,
                             request: Request) -> Response:
    """The portal view, pushed whenever what the customer sees changes."""
    views: portal.Views = request.app.state.views

    def read() -> Awaitable[portal.Seen]:
        return views.read(token, opportunity_id, locales)

    first = await read()  # an unknown opportunity or token is a 404, not an empty stream
    streams: StreamCap = request.app.state.streams
    if not streams.acquire(token):
        return problem(429, f"at most {streams.limit} live streams may be open per access "
                            "token; close one first", headers={"Retry-After": str(PING_SECONDS)})
    return _CountedStream(_views(request.app.state.live, read, opportunity_id, first),
                          ping=PING_SECONDS, headers={"Cache-Control": "no-store"},
                          release=lambda: streams.release(token))


async def _views(hub: live.Hub, read: Read, opportunity_id: str,
                 first: portal.Seen) -> AsyncIterator[ServerSentEvent]:
    """The first view, then every view that differs from the last one sent."""
    etag = first.etag
    yield ServerSentEvent(first.body.decode(), event=VIEW_EVENT, id=etag.strip('"'))
    with hub.subscribe(opportunity_id, live.org_key(first.org_id)) as subscription:
        subscription.wake()  # whatever changed between the first read and subscribing
        while True:
            await subscription.changed()  # idle here, holding no database connection
            try:
                seen = await read()
            except NotFoundError:
                return  # portal access was revoked: nothing more to show
            if seen.etag != etag:
                etag = seen.etag
                yield ServerSentEvent(seen.body.decode(), event=VIEW_EVENT, id=etag.strip('"'))
