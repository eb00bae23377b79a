"""The card worker: the ONE thread that makes card calls, and the engine's events.

The GUI never calls the engine. It asks the worker (`tap`, `submit_pin`, `choose`,
`confirm`, `cancel`, `reset`), the worker runs the event on its own thread (card APDUs
and the cloud's HTTP calls happen inside the engine events) and sends the resulting
View back by the `view_changed` signal, which Qt queues onto the GUI thread.

The PIN is a handshake, as in python-fido2's user-interaction callbacks: the engine
stops in the PIN phase (the worker "asks" by emitting that View), the GUI answers with
`submit_pin`; the digits live in the queued call only until the event has run.

Readers and cards are watched by kiosk.pcsc.monitor.ReaderMonitor (its own supervised
status-change loop on a context of its own); a card arriving on the kiosk's reader
becomes one `card_tapped()` event, queued here like any other.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QThread, Signal

from kiosk.exchange.problems import problem_for
from kiosk.exchange.view import Phase, View
from kiosk.pcsc.monitor import EventKind, MonitorEvent, ReaderMonitor

log = logging.getLogger(__name__)

_STOP = object()


class CardWorker(QThread):
    view_changed = Signal(object)  # kiosk.exchange.view.View
    busy_changed = Signal(str)  # "" when idle, else what is running ("card", "pin", "hold", …)
    reader_event = Signal(object)  # kiosk.pcsc.monitor.MonitorEvent (technician screen)
    job_done = Signal(str, object)  # what, result (or the exception) of a `call` job
    long_command = Signal(str)  # "sign" / "commit": the card is about to work; it must stay put

    def __init__(
        self, engine, reader_name: Callable[[], str] | str = "", context_factory: Callable | None = None, parent=None
    ):
        super().__init__(parent)
        self.setObjectName("card-worker")
        self.engine = engine
        self._reader_name = reader_name
        self._jobs: queue.Queue = queue.Queue()
        self._context_factory = context_factory
        self._monitor: ReaderMonitor | None = None
        self.card_present = False
        self.last_atr = b""
        self.events_run = 0
        self._running: str | None = None  # the job on the card thread now
        self._running_lock = threading.Lock()
        reader = getattr(engine, "reader", None)
        if reader is not None and hasattr(reader, "on_long_command"):
            reader.on_long_command = self.long_command.emit  # emitted on the card thread, queued to the GUI

    # -- asked from the GUI thread (never block) ------------------------------------------
    def tap(self) -> None:
        """A card was put on the reader (the monitor calls this; tests and the demo may too)."""
        self._submit("card", lambda e: e.card_tapped())

    def submit_pin(self, pin: str, confirm_last_try: bool = False) -> None:
        box = [pin]

        def run(engine):
            try:
                return engine.enter_pin(box[0], confirm_last_try=confirm_last_try)
            finally:
                box.clear()  # the PIN does not outlive the event

        self._submit("pin", run)

    def choose(self, raw: object, clerk: str | None = None, reason: str | None = None) -> None:
        if clerk is None:
            self._submit("amount", lambda e: e.choose_amount(raw))
        else:
            self._submit("amount", lambda e: e.choose_amount(raw, clerk=clerk, reason=reason))

    def confirm(self) -> None:
        self._submit("hold", lambda e: e.confirm())

    def ask_reserved(self) -> None:
        self._submit("amount", lambda e: e.ask_reserved())

    def assign_reserved(self, consent: bool) -> None:
        """The citizen's answer on the consent screen: assign (a cloud call) or not."""
        if consent:
            self._submit("assign", lambda e: e.assign_reserved())
        else:
            self._submit("amount", lambda e: e.decline_reserved())

    def consent_mykey(self, consent: bool) -> None:
        """The answer on the MyKey ID consent screen: set it up (a cloud call) or end the visit."""
        if consent:
            self._submit("mykey", lambda e: e.consent_mykey())
        else:
            self._submit("cancel", lambda e: e.decline_mykey())

    def cancel(self, reason: str = "holder cancelled") -> None:
        self.interrupt()
        self._submit("cancel", lambda e: e.cancel(reason))

    def reset(self) -> None:
        self.interrupt()
        self._submit("reset", lambda e: e.reset())

    def interrupt(self) -> None:
        """Stop waiting for the cloud in the job now running, so a cancel, the idle wipe or
        shutdown is not queued behind a hung call (the job fails fast as "unavailable" and
        unwinds by its usual path; recovery settles what it journalled)."""
        with self._running_lock:
            if self._running is not None and hasattr(self.engine, "interrupt"):
                self.engine.interrupt()

    def clerk_cancel(self, exchange_id: str, reason: str, clerk: str) -> None:
        """A clerk ends an unfinished exchange (kiosk.exchange.engine.clerk_cancel): the outcome
        (or the exception) comes back by job_done("clerk_cancel", …), and the citizen's screen
        changes at once when it showed that exchange."""

        def run(engine):
            view = None
            try:
                result, view = engine.clerk_cancel(exchange_id, reason, clerk)
            except Exception as exc:  # noqa: BLE001 - reported to the clerk's screen
                log.warning("card worker: clerk cancel failed: %s", exc)
                result = exc
            self.job_done.emit("clerk_cancel", result)
            return view

        self._submit("clerk_cancel", run)

    def call(self, what: str, fn: Callable) -> None:
        """Any other job that must not run on the GUI thread (clerk: cancel an exchange, export the
        claim; technician: identify the card, ping the cloud). `fn(engine)`'s result (or its
        exception) comes back by `job_done(what, result)`."""

        def run(engine):
            try:
                result = fn(engine)
            except Exception as exc:  # noqa: BLE001 - reported to the screen that asked
                log.warning("card worker: %s failed: %s", what, exc)
                result = exc
            self.job_done.emit(what, result)
            return None

        self._submit(what, run)

    def stop(self, timeout_ms: int = 5000) -> None:
        self.interrupt()
        if self._monitor is not None:
            self._monitor.stop()
            self._monitor = None
        self._jobs.put(_STOP)
        self.wait(timeout_ms)

    # -- the monitor ---------------------------------------------------------------------
    def start_monitor(self) -> None:
        if self._context_factory is None:
            from kiosk.pcsc.context import PcscContext

            self._context_factory = PcscContext
        self._monitor = ReaderMonitor(self._context_factory, self._on_monitor, timeout_ms=500).start()

    @property
    def reader_name(self) -> str:
        return self._reader_name() if callable(self._reader_name) else self._reader_name

    def readers(self) -> dict[str, bytes | None]:
        return dict(self._monitor.readers) if self._monitor else {}

    def _on_monitor(self, event: MonitorEvent) -> None:
        """Runs on the monitor's thread: only queue work, never touch the card here."""
        self.reader_event.emit(event)
        wanted = self.reader_name
        if wanted and event.reader and wanted not in event.reader:
            return
        if event.kind is EventKind.CARD_INSERTED:
            self.card_present, self.last_atr = True, event.atr
            self.tap()
        elif event.kind is EventKind.CARD_REMOVED:
            self.card_present = False
            self._submit("card_removed", lambda e: e.card_removed())

    # -- the thread ----------------------------------------------------------------------
    def _submit(self, what: str, fn: Callable) -> None:
        self._jobs.put((what, fn))

    def run(self) -> None:  # noqa: D401 - QThread entry point
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            what, fn = job
            self.busy_changed.emit(what)
            started = time.perf_counter()
            with self._running_lock:
                self._running = what
            try:
                view = fn(self.engine)
            except Exception as exc:  # noqa: BLE001 - one bad event must not kill the card thread
                log.exception("card worker: %s failed", what)
                view = View(phase=Phase.FAILED, problem=problem_for(exc))
            finally:
                del fn, job
                self.events_run += 1
                with self._running_lock:  # an interrupt applies to the job it was meant for only
                    self._running = None
                    if hasattr(self.engine, "resume"):
                        self.engine.resume()
            log.debug("card worker: %s in %.1f ms", what, (time.perf_counter() - started) * 1000)
            if isinstance(view, View):  # None: the event changed nothing (the screen stays as it is)
                self.view_changed.emit(view)  # first the new screen, then "not busy"
            self.busy_changed.emit("")
