"""uvicorn as both services run it: bounded request heads, timeouts for slow clients, and an
exit within a bounded time of SIGTERM."""

import json
import logging
import os
import threading
from asyncio import TimerHandle
from http import HTTPStatus
from types import FrameType

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from portalflow_eventing.http_settings import HttpSettings
from portalflow_eventing.problems import MEDIA_TYPE

log = logging.getLogger(__name__)


class HeadTooLargeError(Exception):
    """The request head passed a limit; raised inside a parser callback to stop parsing."""


def _answer(status: HTTPStatus, detail: str) -> bytes:
    """A whole problem-details response that closes the connection."""
    body = json.dumps({"type": "about:blank", "title": status.phrase, "status": status.value,
                       "detail": detail}).encode()
    head = (f"HTTP/1.1 {status.value} {status.phrase}\r\ncontent-type: {MEDIA_TYPE}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n"
            "x-content-type-options: nosniff\r\n\r\n")
    return head.encode("latin-1") + body


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded head (431) and deadlines for slow clients.

    The head deadline runs from the connection, or from the first read that leaves a next
    request's head incomplete, until the head is complete; uvicorn's keep-alive timeout covers
    the idle wait between requests. While a body arrives, a connection silent for the body
    idle timeout is closed; reading paused by flow control (the app is not reading) does not
    count as silent.
    """

    limits = HttpSettings.model_construct()  # the defaults; `bounded_protocol` binds others

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_read = self._reading = 0
        self._in_head = self._in_body = False
        self._refusal: tuple[HTTPStatus, str] | None = None
        self._head_timer: TimerHandle | None = None
        self._body_timer: TimerHandle | None = None
        self._last_read = 0.0
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # answered and closing: nothing more is parsed
        self._reading = len(data)
        super().data_received(data)
        if self._in_head:
            # A head still incomplete is buffered by the parser: counted here, as it arrives.
            self._head_read += len(data)
            if self._head_read > self.limits.http_max_head_bytes:
                self._refuse_head()
            elif self._head_timer is None:
                # Armed here, not when a request begins: most heads arrive in one read.
                self._arm_head_timer()
        elif self._in_body:
            # Armed here, not when the head completes: most requests end in the same read.
            self._last_read = self.loop.time()
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(
                    self.limits.http_body_idle_timeout_seconds, self._body_idle)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_read = 0
        self._in_head = True

    def on_headers_complete(self) -> None:
        # Checked once the head is parsed (a head still arriving is counted in data_received):
        # cheaper than a check per header, and what is held meanwhile is bounded by the bytes.
        if len(self.headers) > self.limits.http_max_headers:
            self._refusal = (HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                             f"at most {self.limits.http_max_headers} headers are accepted")
            raise HeadTooLargeError
        limit = self.limits.http_max_head_bytes
        # The head is within what was read for it: measured only when that is over the limit.
        if self._head_read + self._reading > limit and len(self.url) + sum(
                len(name) + len(value) + 4 for name, value in self.headers) > limit:
            self._refusal = (HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, self._head_detail())
            raise HeadTooLargeError
        self._in_head = False
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().on_headers_complete()
        self._in_body = True

    def on_message_complete(self) -> None:
        self._in_body = False
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            return super().send_400_response(msg)
        self._close_with(*self._refusal)

    def _head_detail(self) -> str:
        return (f"the request line and headers may take at most "
                f"{self.limits.http_max_head_bytes} bytes together")

    def _refuse_head(self) -> None:
        self._refusal = (HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, self._head_detail())
        self._close_with(*self._refusal)

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(
            self.limits.http_head_timeout_seconds, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        if self._in_body or (self.cycle is not None and not self.cycle.response_complete):
            return  # a request is being served; its head was complete in time
        self._refusal = (HTTPStatus.REQUEST_TIMEOUT, (
            f"the request head must arrive within {self.limits.http_head_timeout_seconds:g} s"))
        if self._in_head:
            self._close_with(*self._refusal)
        else:
            self.transport.close()  # nothing was asked: there is no one to answer

    def _body_idle(self) -> None:
        idle = self.loop.time() - self._last_read
        timeout = self.limits.http_body_idle_timeout_seconds
        if self.flow.read_paused or idle < timeout:
            self._body_timer = self.loop.call_later(max(timeout - idle, 0.05), self._body_idle)
            return
        self._body_timer = None
        self._refusal = (HTTPStatus.REQUEST_TIMEOUT,
                         f"the request body sent nothing for {timeout:g} s")
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # an answer is under way: it cannot be replaced
        else:
            if self.cycle is not None:  # the app waiting for the body learns it will not come
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self._close_with(*self._refusal)

    def _close_with(self, status: HTTPStatus, detail: str) -> None:
        self._cancel_timers()
        if not self.transport.is_closing():
            self.transport.write(_answer(status, detail))
            self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None


def bounded_protocol(settings: HttpSettings) -> type[BoundedHttpToolsProtocol]:
    """The protocol class, bound to `settings`, for `uvicorn.Config(http=...)`."""
    return type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"limits": settings})


class WatchedServer(uvicorn.Server):
    """A server whose process ends within `deadline` seconds of the first exit signal."""

    def __init__(self, config: uvicorn.Config, deadline: float) -> None:
        super().__init__(config)
        self.deadline = deadline
        self._watchdog: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._watchdog is None:
            # A thread, not the event loop: the loop may be the thing that is stuck.
            self._watchdog = threading.Timer(self.deadline, self._overdue)
            self._watchdog.daemon = True
            self._watchdog.start()
        super().handle_exit(sig, frame)

    def _overdue(self) -> None:
        log.error("shutdown still running after %.1f s (SHUTDOWN_TIMEOUT_SECONDS): exiting",
                  self.deadline)
        logging.shutdown()
        os._exit(1)


def serve(app_factory: str, host: str, port: int, settings: HttpSettings | None = None) -> None:
    """Run the app factory's app until a signal, as every service runs it."""
    settings = settings or HttpSettings()
    config = uvicorn.Config(
        app_factory, factory=True, host=host, port=port, log_config=None, access_log=False,
        http=bounded_protocol(settings),
        timeout_keep_alive=settings.http_keep_alive_seconds,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds / 2)
    WatchedServer(config, settings.shutdown_timeout_seconds).run()

