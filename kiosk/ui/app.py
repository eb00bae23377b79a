"""The running GUI: the window, the card worker, the heartbeat, the languages.

`Kiosk(cfg, parts)` is what `kiosk run`, `kiosk demo` and the tests start; the parts
come from kiosk.app.build (the composition root). Start-up recovery runs on the card
worker, never on the GUI thread.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from kiosk.ui import style
from kiosk.ui.heartbeat import Heartbeat
from kiosk.ui.i18n import Languages
from kiosk.ui.staff_auth import StaffAuth
from kiosk.ui.window import KioskWindow, UiSettings
from kiosk.ui.worker import CardWorker

if TYPE_CHECKING:
    from kiosk.exchange.recovery import RecoveryReport

log = logging.getLogger(__name__)
FOLLOW_UP_S = 15  # how often the counter looks for exchanges due a retry (each has its own backoff)


def qt_app() -> QApplication:
    existing = QApplication.instance()
    if existing is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("kiosk")
    elif isinstance(existing, QApplication):
        app = existing
    else:  # a QCoreApplication (no widgets) was started earlier in this process
        raise RuntimeError(f"a {type(existing).__name__} runs already; the kiosk needs a QApplication")
    app.setFont(QFont(style.cjk_family()))
    return app


def serving(engine) -> set[str]:
    """The exchange a citizen is in the middle of (the engine's to finish), if any; once the
    visit shows its end (done, failed, the start screen) recovery may take it over."""
    from kiosk.exchange.view import Phase

    view = engine.view
    if view.exchange_id and view.phase not in (Phase.WAIT_MYNUMBER, Phase.DONE, Phase.FAILED):
        return {view.exchange_id}
    return set()


class Kiosk:
    def __init__(
        self,
        cfg,
        parts,
        *,
        reader_name: str | None = None,
        context_factory=None,
        settings: UiSettings | None = None,
        printer=None,
    ):
        self.t0 = time.perf_counter()
        self.app = qt_app()
        self.cfg, self.parts = cfg, parts
        self.settings = settings or UiSettings.from_config(cfg)
        self.languages = Languages(self.app)
        self.languages.use(self.settings.language)
        name = reader_name if reader_name is not None else cfg.get("reader", "name")
        self.worker = CardWorker(parts.engine, name, context_factory)
        self.staff = StaffAuth(parts.store)
        if printer is None:
            from kiosk.ui.receipt_printer import printer_from

            printer = printer_from(cfg.get("ui", "printer"))
        self.window = KioskWindow(self.worker, self.settings, self.languages, self.staff, parts, printer)
        self.window.cfg = cfg
        self.heartbeat = Heartbeat(parent=self.window)
        self.first_screen_ms: float | None = None
        self.recovery: RecoveryReport | None = None
        # Exchanges left waiting for the cloud (a commit after the card load, a cancel cut
        # off by the idle wipe) are retried while the kiosk runs, not only at start: each
        # with its own backoff (kiosk.exchange.follow_up), on the card worker.
        from kiosk.exchange.follow_up import FollowUp
        from kiosk.exchange.reversal import Reversals

        # One Reversals for the correction screen, the follow-up and the engine's Breka tap.
        self.reversals = getattr(parts, "reversals", None) or Reversals(
            parts.journal, parts.outbox, parts.cloud, parts.finisher.keys
        )
        self.window.reversals = self.reversals
        self.retries = FollowUp(parts.journal, parts.finisher, reversals=self.reversals)
        self.window.retries = self.retries
        self.follow_up = QTimer(self.window)
        self.follow_up.setInterval(FOLLOW_UP_S * 1000)
        self.follow_up.timeout.connect(self._follow_up)

    def start(
        self, *, monitor: bool = True, recover: bool = True, on_first_screen: Callable[[], None] | None = None
    ) -> Kiosk:
        """Show the first screen, then warm the other screens up behind it.
        `on_first_screen` runs as soon as the first screen is on the display."""
        self.worker.start()
        if recover:
            self.worker.call("recover", self._recover)
            self.follow_up.start()
        if monitor:
            self.worker.start_monitor()
        self.window.start()
        self.app.processEvents()
        self.first_screen_ms = (time.perf_counter() - self.t0) * 1000
        if on_first_screen is not None:
            on_first_screen()
        self.worker.call("warm_up", _warm_imports)  # behind the first screen, before the first card
        self.window.warm_up()
        gc.collect()
        gc.freeze()  # start-up objects leave the collector's work: shorter pauses while serving
        self.heartbeat.start()
        return self

    def _follow_up(self) -> None:
        # Not while a citizen is in the middle of an exchange (the retry would delay their card
        # events); the GUI thread only asks, the card worker does the cloud calls.
        from kiosk.exchange.view import Phase

        idle = self.window.view.phase in (Phase.WAIT_MYNUMBER, Phase.DONE, Phase.FAILED)
        if idle and not self.window.busy and self.retries.due():
            self.worker.call("follow_up", self._retry)

    def _retry(self, engine, force: bool = False):
        return self.retries.run(skip=serving(engine), force=force)

    def _recover(self, engine) -> None:
        from kiosk.exchange.recovery import recover

        self.recovery = recover(self.parts.journal, self.parts.finisher, skip=serving(engine))
        self.reversals.recover()  # corrections cut off by a stop: the cloud's part, or abandoned
        return None

    def stop(self) -> None:
        self.follow_up.stop()
        self.heartbeat.stop()
        self.window.idle.stop()
        self.worker.stop()
        self.window.allow_close()
        self.window.close()
        self.languages.close()


def _warm_imports(_engine) -> None:
    """Load what the first screen did without: the card and record crypto (`cryptography`,
    ~50 ms), so the first citizen does not wait for it."""
    from kiosk.cardio import desfire_crypto
    from kiosk.sync import settlement_record

    desfire_crypto.cbc_encrypt(bytes(16), bytes(16), bytes(16))
    settlement_record.signature_matches({}, bytes(32))
