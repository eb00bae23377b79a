"""Technician mode: readers and their state, the card's ATR and kind, a live APDU trace
(PIN data redacted at the source and again here), cloud connectivity, provisioning of
the keys into the keyring, the configuration, and the staff PINs. Card and network work
runs on the card worker; every action is audited (never a secret's value)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QVBoxLayout

from kiosk.log import TRAFFIC, redact
from kiosk.secrets import SecretError
from kiosk.store import audit
from kiosk.ui.secret_form import SecretForm
from kiosk.ui.staff_auth import MAX_PIN, MIN_PIN
from kiosk.ui.widgets import BigButton, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate
TRACE_LOGGER = "kiosk.cardio.traffic"
TRACE_LINES = 500


class _TraceRelay(QObject):
    line = Signal(str)


class TraceHandler(logging.Handler):
    """APDU lines from any thread, to the GUI by a queued signal; redacted once more."""

    def __init__(self):
        super().__init__(level=TRAFFIC)
        self.relay = _TraceRelay()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.relay.line.emit(redact(record.getMessage()))
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


class TechnicianPage(Page):
    name = "technician"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window  # not `self.window`: that is QWidget.window()
        box = QVBoxLayout(self)
        self.title = label(role="title")
        box.addWidget(self.title)
        grid = QGridLayout()
        self.readers = label(role="small")
        self.card = label(role="small")
        self.cloud = label(role="small")
        self.identify_button = BigButton(role="quiet")
        self.cloud_button = BigButton(role="quiet")
        self.identify_button.clicked.connect(self._identify)
        self.cloud_button.clicked.connect(self._ping)
        grid.addWidget(self.readers, 0, 0)
        grid.addWidget(self.card, 1, 0)
        grid.addWidget(self.identify_button, 1, 1)
        grid.addWidget(self.cloud, 2, 0)
        grid.addWidget(self.cloud_button, 2, 1)
        box.addLayout(grid)
        self.trace = QPlainTextEdit()
        self.trace.setReadOnly(True)
        self.trace.setMaximumBlockCount(TRACE_LINES)
        self.config = QPlainTextEdit()
        self.config.setReadOnly(True)
        views = QHBoxLayout()
        views.addWidget(self.trace, 3)
        views.addWidget(self.config, 2)
        box.addLayout(views, 1)
        self.keys = SecretForm()
        self.secret_name, self.secret_value, self.save_secret = self.keys.name, self.keys.value, self.keys.save
        self.keys.message.connect(self._say)
        self.keys.saved.connect(self._provisioned)
        box.addWidget(self.keys)
        pins = QHBoxLayout()
        self.pin_value = QLineEdit()
        self.pin_value.setEchoMode(QLineEdit.EchoMode.Password)
        self.clerk_pin_button = BigButton(role="quiet")
        self.clerk_pin_button.clicked.connect(lambda: self._set_pin("clerk"))
        self.tech_pin_button = BigButton(role="quiet")
        self.tech_pin_button.clicked.connect(lambda: self._set_pin("technician"))
        pins.addWidget(self.pin_value, 1)
        pins.addWidget(self.clerk_pin_button)
        pins.addWidget(self.tech_pin_button)
        box.addLayout(pins)
        self.status = label(role="small")
        box.addWidget(self.status)
        self.close_button = BigButton(role="primary")
        self.close_button.clicked.connect(self._close)
        self.quit_button = BigButton(role="danger")
        self.quit_button.clicked.connect(self._quit_kiosk)
        ends = QHBoxLayout()
        ends.addWidget(self.quit_button, 1)
        ends.addWidget(self.close_button, 2)
        box.addLayout(ends)
        self.handler = TraceHandler()
        self.handler.relay.line.connect(self.trace.appendPlainText)
        self._trace_level: int | None = None
        window.worker.job_done.connect(self._job_done)
        window.worker.reader_event.connect(lambda _e: self.isVisible() and self.refresh())
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Technician"))
        self.identify_button.setText(translate("kiosk", "Read the card"))
        self.cloud_button.setText(translate("kiosk", "Check the cloud"))
        self.keys.retranslate()
        self.pin_value.setPlaceholderText(translate("kiosk", "New staff PIN (digits)"))
        self.clerk_pin_button.setText(translate("kiosk", "Set clerk PIN"))
        self.tech_pin_button.setText(translate("kiosk", "Set technician PIN"))
        self.close_button.setText(translate("kiosk", "Close"))
        self.quit_button.setText(translate("kiosk", "Quit the kiosk"))

    # -- opening and closing: the trace is on only while this screen is open -------------
    def open(self) -> None:
        logger = logging.getLogger(TRACE_LOGGER)
        if self._trace_level is None:
            self._trace_level = logger.level
            logger.setLevel(TRAFFIC)
            logger.addHandler(self.handler)
        self.status.setText("")
        from kiosk.config import render_toml

        cfg = getattr(self.main, "cfg", None)
        self.config.setPlainText(render_toml(cfg.values) if cfg is not None else "")
        self.refresh()

    def _close(self) -> None:
        logger = logging.getLogger(TRACE_LOGGER)
        logger.removeHandler(self.handler)
        if self._trace_level is not None:
            logger.setLevel(self._trace_level)
            self._trace_level = None
        self.secret_value.clear()
        self.pin_value.clear()
        self.main.close_staff()

    def _quit_kiosk(self) -> None:
        """Technicians only (this screen needs their PIN): leave kiosk mode for the desktop."""
        audit.append(self.main.parts.store, "technician", "quit_kiosk", {})
        self._close()
        self.main.allow_close()
        QCoreApplication.quit()

    def wipe(self) -> None:
        self.secret_value.clear()
        self.pin_value.clear()
        if self._trace_level is not None:
            self._close()

    def refresh(self) -> bool:
        worker = self.main.worker
        readers = worker.readers()
        lines = [
            translate("kiosk", "{name}: card present (ATR {atr})").format(name=n, atr=a.hex(" ").upper())
            if a
            else translate("kiosk", "{name}: empty").format(name=n)
            for n, a in readers.items()
        ]
        self.readers.setText("\n".join(lines) or translate("kiosk", "No reader found. Is pcscd running?"))
        return True

    # -- actions -------------------------------------------------------------------------
    def _identify(self) -> None:
        def run(engine):
            from kiosk.cardio.identify import identify

            with engine.reader.connect() as conn:
                return conn.atr, identify(conn).kind.value

        self.main.worker.call("tech_identify", run)

    def _ping(self) -> None:
        cloud = self.main.parts.cloud

        def run(_engine):
            t = time.perf_counter()
            cloud.challenge()
            return (time.perf_counter() - t) * 1000

        self.main.worker.call("tech_ping", run)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _provisioned(self, name: str, size: int) -> None:
        audit.append(self.main.parts.store, "technician", "provision_secret", {"name": name, "bytes": size})

    def _set_pin(self, role: str) -> None:
        pin = self.pin_value.text()
        self.pin_value.clear()
        try:
            self.main.staff.set_pin(role, pin, by="technician")
        except ValueError:
            self.status.setText(
                translate("kiosk", "A staff PIN has {min} to {max} digits.").format(min=MIN_PIN, max=MAX_PIN)
            )
            return
        except SecretError as exc:  # the keyring could not give or keep the PIN pepper
            self.status.setText(translate("kiosk", "Not saved: {e}").format(e=type(exc).__name__))
            return
        self.status.setText(translate("kiosk", "PIN set for: {role}").format(role=role))

    def _job_done(self, what: str, result) -> None:
        failed = isinstance(result, Exception)
        if what == "tech_identify":
            if failed:
                # In words (カード：カードが見つかりません), not an exception's class name.
                from kiosk.exchange.problems import problem_for
                from kiosk.ui.texts import problem_text

                self.card.setText(translate("kiosk", "Card: {e}").format(e=problem_text(problem_for(result))[0]))
            else:
                atr, kind = result
                self.card.setText(
                    translate("kiosk", "Card: {kind}, ATR {atr}").format(kind=kind, atr=atr.hex(" ").upper())
                )
            audit.append(self.main.parts.store, "technician", "read_card", {"ok": not failed})
        elif what == "tech_ping":
            self.cloud.setText(
                translate("kiosk", "Cloud: not reachable ({e})").format(e=type(result).__name__)
                if failed
                else translate("kiosk", "Cloud: reachable, {ms} ms").format(ms=round(result))
            )
            audit.append(self.main.parts.store, "technician", "check_cloud", {"ok": not failed})
