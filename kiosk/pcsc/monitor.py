"""Our own supervised PC/SC status-change loop: readers and cards coming and going.

Why not pyscard's monitors: their threads die silently on the first unexpected error
(seen in the field). This loop reports every failure as an event, survives
service restarts (the context rebuilds itself; the loop resyncs and says so), and a
supervisor thread restarts the loop if it dies anyway. No pyscard here: the loop only
needs an object with `list_readers`, `get_status_change`, `cancel` and `release`
(kiosk.pcsc.context.PcscContext, or a test double).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from kiosk.cardio.errors import ReaderUnavailable, ServiceUnavailable

log = logging.getLogger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"  # pseudo reader: wakes on readers added/removed


class StatusContext(Protocol):
    def list_readers(self) -> list[str]: ...
    def get_status_change(self, known: dict[str, int], timeout_ms: int) -> list | None: ...
    def cancel(self) -> None: ...
    def release(self) -> None: ...


class EventKind(str, Enum):
    READER_ADDED = "reader-added"
    READER_REMOVED = "reader-removed"
    CARD_INSERTED = "card-inserted"
    CARD_REMOVED = "card-removed"
    SERVICE_LOST = "service-lost"  # pcscd / SCardSvr gone; the loop keeps trying
    SERVICE_BACK = "service-back"
    LOOP_ERROR = "loop-error"  # an unexpected exception; the loop carries on
    LOOP_RESTARTED = "loop-restarted"  # the loop thread died; the supervisor started a new one


@dataclass(frozen=True)
class MonitorEvent:
    kind: EventKind
    reader: str = ""
    atr: bytes = b""
    detail: str = ""


class ReaderMonitor:
    """Calls `on_event(MonitorEvent)` from its own thread; owns its own context.

    The first pass reports every reader and every card already present, so a listener
    starting late still learns the current state.
    """

    def __init__(
        self,
        context_factory: Callable[[], StatusContext],
        on_event: Callable[[MonitorEvent], None],
        timeout_ms: int = 10_000,
        retry_delay: float = 0.5,
    ):
        self._factory, self._on_event = context_factory, on_event
        self._timeout_ms, self._retry_delay = timeout_ms, retry_delay
        self._stop = threading.Event()
        self._ctx: StatusContext | None = None
        self._ctx_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._supervisor: threading.Thread | None = None
        self.readers: dict[str, bytes | None] = {}  # reader -> ATR of the card in it, or None
        self._counts: dict[str, int] = {}
        self._service_down = False
        self.restarts = 0

    # -- control -------------------------------------------------------------------
    def start(self) -> ReaderMonitor:
        self._stop.clear()
        self._worker = self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="pcsc-monitor-supervisor", daemon=True)
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ctx_lock:
            ctx = self._ctx
        if ctx is not None:
            try:
                ctx.cancel()  # wakes a blocking get_status_change
            except Exception:  # noqa: BLE001 - a dead context has nothing to wake
                pass
        for thread in (self._supervisor, self._worker):
            if thread is not None:
                thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def __enter__(self) -> ReaderMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- threads -------------------------------------------------------------------
    def _spawn(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
        thread.start()
        return thread

    def _supervise(self) -> None:
        while not self._stop.is_set():
            worker = self._worker
            if worker is not None:
                worker.join(0.2)
                if worker.is_alive() or self._stop.is_set():
                    continue
            self.restarts += 1
            log.error("PC/SC monitor loop died; restarting it (restart %d)", self.restarts)
            self._emit(MonitorEvent(EventKind.LOOP_RESTARTED, detail=f"restart {self.restarts}"))
            self._drop_context()
            self._stop.wait(self._retry_delay)
            if not self._stop.is_set():
                self._worker = self._spawn()

    def _run(self) -> None:
        """The loop. Exceptions are reported and survived; only BaseException kills it."""
        while not self._stop.is_set():
            try:
                self._watch(self._context())
            except ServiceUnavailable as exc:
                if not self._service_down:
                    self._service_down = True
                    log.warning("PC/SC service lost: %s", exc)
                    self._emit(MonitorEvent(EventKind.SERVICE_LOST, detail=str(exc)))
                self._drop_context()
                self._stop.wait(self._retry_delay)
            except ReaderUnavailable as exc:
                log.info("reader list changed under us (%s); resyncing", exc)
            except Exception as exc:  # noqa: BLE001 - supervised: report, then carry on
                log.exception("PC/SC monitor loop error")
                self._emit(MonitorEvent(EventKind.LOOP_ERROR, detail=f"{type(exc).__name__}: {exc}"))
                self._drop_context()
                self._stop.wait(self._retry_delay)

    def _context(self) -> StatusContext:
        with self._ctx_lock:
            if self._ctx is None:
                self._ctx = self._factory()
            return self._ctx

    def _drop_context(self) -> None:
        with self._ctx_lock:
            ctx, self._ctx = self._ctx, None
        if ctx is not None:
            try:
                ctx.release()
            except Exception:  # noqa: BLE001 - releasing a dead context may fail; nothing to do
                pass

    def _watch(self, ctx: StatusContext) -> None:
        readers = ctx.list_readers()
        if self._service_down:
            self._service_down = False
            self._emit(MonitorEvent(EventKind.SERVICE_BACK))
        self._sync_readers(readers)
        known = {name: 0 for name in readers}  # 0 = SCARD_STATE_UNAWARE: report the current state
        known[PNP_NOTIFICATION] = 0
        while not self._stop.is_set():
            states = ctx.get_status_change(known, self._timeout_ms)
            if not states:
                continue
            relist = False
            for state in states:
                if state.reader == PNP_NOTIFICATION:
                    relist = True
                elif state.event_count < 0:  # SCARD_STATE_UNKNOWN: the reader went away
                    relist = True
                else:
                    self._card_state(state.reader, state.present, state.atr, state.event_count)
            if relist:
                readers = ctx.list_readers()
                self._sync_readers(readers)
                known = {name: known.get(name, 0) for name in readers} | {
                    PNP_NOTIFICATION: known.get(PNP_NOTIFICATION, 0)
                }

    # -- state -----------------------------------------------------------------------
    def _sync_readers(self, readers: list[str]) -> None:
        for name in list(self.readers):
            if name not in readers:
                if self.readers[name] is not None:
                    self._emit(MonitorEvent(EventKind.CARD_REMOVED, name))
                del self.readers[name]
                self._counts.pop(name, None)
                self._emit(MonitorEvent(EventKind.READER_REMOVED, name))
        for name in readers:
            if name not in self.readers:
                self.readers[name] = None
                self._emit(MonitorEvent(EventKind.READER_ADDED, name))

    def _card_state(self, reader: str, present: bool, atr: bytes, count: int) -> None:
        if reader not in self.readers:
            return
        before = self.readers[reader]
        swapped = before is not None and present and self._counts.get(reader, count) + 1 < count
        self._counts[reader] = count
        if before is not None and (not present or swapped):
            self.readers[reader] = None
            self._emit(MonitorEvent(EventKind.CARD_REMOVED, reader))
        if present and self.readers[reader] is None:
            self.readers[reader] = atr
            self._emit(MonitorEvent(EventKind.CARD_INSERTED, reader, atr))

    def _emit(self, event: MonitorEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # noqa: BLE001 - a listener's bug must not stop the loop
            log.exception("PC/SC monitor listener failed on %s", event)
