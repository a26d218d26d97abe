"""Raw HTTP for the edge tests: what httpx would not send (huge or slow requests), and the
server process's own view of what it read, wrote and holds."""

import json
import select
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import psutil

MIB = 1024 * 1024


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict:
        assert self.headers.get("content-type") == "application/problem+json", self.headers
        return json.loads(self.body)


def parse(raw: bytes) -> Answer:
    """The first response in `raw` (with a Content-Length body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers,
                  body[:int(headers.get("content-length", len(body)))])


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (or the socket's timeout passes)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


def push(port: int, head: bytes, body: Iterable[bytes] = (), timeout: float = 10) -> Answer:
    """Send `head`, then `body` until the server answers or stops reading; its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for chunk in body:
                if select.select([sock], [], [], 0)[0]:
                    break  # an answer came: the server will read no more
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        raw = read_all(sock)
    assert raw, "the server closed without an answer"
    return parse(raw)


def request_head(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(total: int, piece: bytes = b"0," * (MIB // 2)) -> Iterator[bytes]:
    """`total` bytes of a chunked body (a never-ending JSON array), then its last chunk."""
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    for _ in range(total // len(piece)):
        yield frame
    yield b"0\r\n\r\n"


@dataclass
class Footprint:
    """What a server process holds and has moved: memory, and bytes read and written."""

    rss: int
    read: int
    written: int

    @classmethod
    def of(cls, pid: int) -> "Footprint":
        process = psutil.Process(pid)
        io = process.io_counters()  # read_chars/write_chars: every read and write, disk or not
        return cls(process.memory_info().rss, io.read_chars, io.write_chars)

    def growth(self, pid: int) -> "Footprint":
        now = Footprint.of(pid)
        return Footprint(now.rss - self.rss, now.read - self.read, now.written - self.written)
