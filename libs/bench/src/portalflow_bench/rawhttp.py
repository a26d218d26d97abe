"""A minimal HTTP/1.1 keep-alive client: cheap enough per request to leave the cores to the server.

httpx spends about as much CPU on a request as the server under test does; on a two-core machine
that would measure the client. This client sends pre-encoded requests and reads responses framed
by Content-Length, which is all uvicorn sends for these endpoints.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

_LENGTH = b"\r\ncontent-length:"


class ProtocolError(Exception):
    """The server answered something this client does not read (e.g. a chunked body)."""


def encode(method: str, path: str, host: str, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of a bodiless request, built once and sent many times."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if method in ("POST", "PUT"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port, limit=1 << 20))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a pre-encoded request; return the status and the body."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        at = lowered.find(_LENGTH)
        if at < 0:
            if status in (204, 304):
                return status, b""
            raise ProtocolError(f"no Content-Length in {head[:200]!r}")
        end = lowered.index(b"\r\n", at + len(_LENGTH))
        length = int(lowered[at + len(_LENGTH):end])
        return status, await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Idle connections to one server, opened on demand so an open-loop sender never waits."""

    MAX_IDLE = 4.0  # seconds; uvicorn closes a keep-alive connection idle for 5

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: deque[tuple[float, Connection]] = deque()

    def _reusable(self) -> Connection | None:
        while self.idle:
            since, conn = self.idle.pop()
            if time.monotonic() - since < self.MAX_IDLE:
                return conn
            conn.close()
        return None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        while True:
            conn = self._reusable()
            reused = conn is not None
            conn = conn or await Connection.open(self.host, self.port)
            try:
                answer = await conn.request(raw)
            except (asyncio.IncompleteReadError, ConnectionResetError) as error:
                conn.close()
                if reused and not getattr(error, "partial", b""):
                    continue  # closed while idle, before reading the request: send it again
                raise
            except BaseException:
                conn.close()  # its state is unknown: never reuse it
                raise
            self.idle.append((time.monotonic(), conn))
            return answer

    def close(self) -> None:
        while self.idle:
            self.idle.pop()[1].close()
