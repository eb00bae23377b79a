"""The kiosk's one reader: chosen by (part of) its name, connected on demand.

The engine's Reader port. It counts the APDUs of each connection so the benchmark and the
demo can report them without a wrapper of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import ReaderUnavailable
from kiosk.pcsc.context import PcscContext, ReaderState


def pick_reader(readers: list[str], wanted: str) -> str:
    """The first reader whose name contains `wanted` (any reader when `wanted` is empty)."""
    for name in readers:
        if wanted in name:
            return name
    listed = ", ".join(readers) or "none"
    raise ReaderUnavailable(f"no reader matching {wanted!r} (readers: {listed})")


class CountingConnection(Connection):
    def __init__(self, inner: Connection, on_long_command: Callable[[str], None] | None = None):
        self.inner, self.reader, self.atr = inner, inner.reader, inner.atr
        self.on_long_command = on_long_command
        self.apdus = 0

    def transmit_raw(self, apdu: bytes) -> bytes:
        self.apdus += 1
        return self.inner.transmit_raw(apdu)

    def close(self) -> None:
        self.inner.close()


class PcscReader:
    def __init__(self, wanted: str = "", context: PcscContext | None = None):
        self.wanted = wanted
        self.context = context or PcscContext()
        self.last: CountingConnection | None = None
        self.on_long_command: Callable[[str], None] | None = None  # see Connection.announce

    @property
    def name(self) -> str:
        return pick_reader(self.context.list_readers(), self.wanted)

    def connect(self) -> CountingConnection:
        self.last = CountingConnection(self.context.connect(self.name), self.on_long_command)
        return self.last

    def close(self) -> None:
        self.context.release()


def wait_for_state(
    context: PcscContext, reader: str, done: Callable[[ReaderState], bool], timeout: float = 5.0
) -> ReaderState | None:
    """Block on the status-change call (no sleeping) until `reader`'s state satisfies `done`;
    that state, or None on timeout."""
    deadline = time.monotonic() + timeout
    known = {reader: 0}
    while True:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            return None
        for state in context.get_status_change(known, min(left_ms, 250)) or []:
            if state.reader == reader and done(state):
                return state


def wait_for_card(context: PcscContext, reader: str, present: bool = True, timeout: float = 5.0) -> ReaderState | None:
    """Until `reader` holds a card (or is empty): its state, or None on timeout."""
    return wait_for_state(context, reader, lambda state: state.present == present, timeout)
