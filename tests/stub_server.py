"""A tiny HTTP server on loopback that answers whatever a test tells it to: wrong bodies,
redirects, a byte every half second, endless bodies. It stands for a proxy or a broken
server in front of the cloud (the simulator itself only answers correctly)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.stub.requests.append((self.command, self.path, dict(self.headers)))
        self.server.stub.ports.add(self.client_address[1])
        try:
            self.server.stub.behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what the bounded tests want

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._any()

    def do_POST(self) -> None:  # noqa: N802
        self._any()

    def log_message(self, *args) -> None:
        pass


class Stub:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict]] = []
        self.written = 0
        self.ports: set[int] = set()  # client ports seen: one per connection
        self.behaviour: Callable[[BaseHTTPRequestHandler], None] = lambda h: self.send(h, 200, b"{}")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.stub = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.behaviour = lambda h: self.send(h, status, body, headers)

    def send(self, h, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        self.write(h, body)

    def write(self, h, data: bytes) -> None:
        h.wfile.write(data)
        h.wfile.flush()
        self.written += len(data)

    def drip(self, *, headers_too: bool, every_s: float = 0.5, n: int = 60) -> None:
        """A valid-looking answer sent one byte at a time (in the headers, or in the body)."""

        def behaviour(h) -> None:
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n".encode()
            if headers_too:
                data = head + b" " * n
            else:
                self.write(h, head)
                data = b" " * n
            for i in range(len(data)):
                self.write(h, data[i : i + 1])
                time.sleep(every_s)

        self.behaviour = behaviour

    def endless(self, total: int, *, announce: bool) -> None:
        """`total` bytes of body, with a Content-Length or delimited by closing the connection."""

        def behaviour(h) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            if announce:
                h.send_header("Content-Length", str(total))
            else:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            block = b" " * 2**16
            for _ in range(total // len(block)):
                self.write(h, block)

        self.behaviour = behaviour

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.close()
