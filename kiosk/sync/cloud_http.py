"""Bounded HTTP for the cloud client: a deadline on the whole exchange, a cap on the body.

requests bounds the connect and each socket read, not the call: a server sending one
byte every 2 s keeps a call alive for ever, and a 2 GiB answer is read whole. Here a
watchdog shuts the connection's socket down when an attempt's deadline passes (headers
or body, whichever is being read), and bodies are streamed and refused past a maximum.
The adapter never retries: the client's own loop is the only retry policy.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

_local = threading.local()


class BodyTooLarge(Exception):
    pass


class BadEncoding(Exception):
    pass


class Deadline:
    """Shuts down every connection used by this thread's current attempt at `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.ended = False  # the attempt is over: the watchdog drops it unfired
        self._conns: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._seconds = max(0.0, seconds)

    def __enter__(self) -> Deadline:
        _local.deadline = self
        _WATCHDOG.add(time.monotonic() + self._seconds, self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:  # after this a late watchdog leaves the (reused) connection alone
            self.ended = True
        _local.deadline = None

    def watch(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conns.append(conn)
            if self.fired:
                _shutdown(conn)

    def _fire(self) -> None:
        with self._lock:
            if self.ended:
                return
            self.fired = True
            for conn in self._conns:
                _shutdown(conn)

    def cut(self) -> None:
        """End the attempt now (from any thread): its socket reads return at once."""
        self._fire()


class _Watchdog:
    """One thread fires every attempt's deadline: a timer thread per call cost its start and
    a switch of the interpreter lock on each of the counter's cloud calls (issue 17)."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()  # deadlines are not comparable: equal times keep their order
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, at: float, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._due, (at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cloud-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:  # the new one is the soonest: sleep less
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].ended:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wake.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                deadline = heapq.heappop(self._due)[2]
            deadline._fire()  # outside the lock: a socket shutdown must not hold up new calls


_WATCHDOG = _Watchdog()


def _shutdown(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:  # the plain socket's shutdown, also under TLS: it wakes a blocked read at once
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(conn: HTTPConnection) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(conn)


class _Watched:
    """Mixin: register the connection with the current deadline when it connects or sends."""

    def connect(self) -> None:
        _watch(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class BoundedAdapter(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__(max_retries=Retry(total=0, read=False, redirect=False))

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def read_body(response: requests.Response, limit: int) -> bytes:
    """The body as sent, at most `limit` bytes; refuses a larger one without reading it."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):  # asked for identity: a compressed answer could be a bomb
        raise BadEncoding(f"answer is {encoding}-encoded")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        raise BodyTooLarge(f"answer announces {int(length)} bytes, more than {limit}")
    chunks, size = [], 0
    for chunk in response.raw.stream(64 * 1024, decode_content=False):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"answer is longer than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
