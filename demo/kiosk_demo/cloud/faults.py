"""Injected faults for the next matching calls: delay, error status, dropped response, or
any answer at all (`answer`: the status and body given, as a wrong server or proxy would).

A pure ASGI middleware, outermost, so a drop really closes the TCP connection with no
answer (the client sees a reset, as after a lost reply). `phase` says whether the call
reaches the ledger first ("after": it takes effect, then the answer is delayed,
replaced or lost) or not at all ("before"). Faults live in memory: the simulator is
one process and a restart clears them.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import json
import logging
import threading
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)


@dataclass
class Fault:
    fault_id: int
    path: str
    method: str
    kind: str
    phase: str
    status: int
    delay_ms: int
    count: int
    body: str = "{}"


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._faults: list[Fault] = []

    def add(self, **spec) -> Fault:
        with self._lock:
            fault = Fault(fault_id=next(self._ids), **spec)
            self._faults.append(fault)
            return fault

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault that matches this call."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fnmatch.fnmatchcase(path, fault.path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None


def _abort(send) -> None:
    """Close the connection without an answer (uvicorn's protocol object owns the transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("cannot drop the connection: the server does not expose its transport")
    transport.abort()


class FaultMiddleware:
    def __init__(self, app, book: FaultBook) -> None:
        self.app, self.book = app, book

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/sim/"):
            return await self.app(scope, receive, send)
        fault = self.book.take(scope["method"], scope["path"])
        if fault is None:
            return await self.app(scope, receive, send)
        log.warning("injecting %s (%s) into %s %s", fault.kind, fault.phase, scope["method"], scope["path"])
        held: list[dict] = []

        async def hold(message):  # keep the real answer back
            held.append(message)

        if fault.phase == "after":
            await self.app(scope, receive, hold)
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.kind == "drop":
            return _abort(send)
        if fault.kind in ("error", "answer"):
            body = json.dumps({"error": {"code": "injected_fault", "message": "fault injected by the simulator"}})
            if fault.kind == "answer":
                body = fault.body
            await send(
                {
                    "type": "http.response.start",
                    "status": fault.status,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            return await send({"type": "http.response.body", "body": body.encode()})
        if fault.phase == "after":  # a delay: now deliver what the ledger answered
            for message in held:
                await send(message)
            return None
        return await self.app(scope, receive, send)
