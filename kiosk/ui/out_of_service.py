"""The screen of a kiosk that cannot serve yet: no keys, no staff PINs, no database, no cloud.

`kiosk run` shows it instead of exiting, so the counter never shows a desktop or a crash;
it names what is missing (the failing doctor checks, with their fixes), checks again on
its own every RECHECK_S and at a button, and starts the counter once everything passes.
A technician opens technician mode from here (Ctrl+Alt+T and the technician PIN) to put the
keys into the keyring; citizens see only the one message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QInputDialog,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.diagnostics import CheckResult
from kiosk.ui import style
from kiosk.ui.secret_form import SecretForm
from kiosk.ui.widgets import BigButton, label

translate = QCoreApplication.translate
RECHECK_S = 30


class _Relay(QObject):
    checked = Signal(object)


class OutOfServiceWindow(QWidget):
    """`problems()` returns the failing checks (run off the GUI thread); `ready()` starts
    the counter once there are none; `technician_pin(pin)` checks a technician PIN."""

    def __init__(
        self,
        problems: Callable[[], list[CheckResult]],
        ready: Callable[[], None],
        technician_pin: Callable[[str], bool],
        first: list[CheckResult],
        fullscreen: bool = False,
    ):
        super().__init__()
        self.setObjectName("out_of_service")
        self._problems, self._ready, self._technician_pin = problems, ready, technician_pin
        self._fullscreen = fullscreen
        self._relay = _Relay()
        self._relay.checked.connect(self._show_checks)
        self._checking = False
        self.setStyleSheet(style.stylesheet(style.scale_for(768), style.cjk_family()))
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.text = label(role="body")
        self.checks = label(role="small")
        self.checks.setObjectName("checks")
        self.checks.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.checks)
        self.again = BigButton(role="primary")
        self.again.clicked.connect(self.check_again)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addWidget(scroll, 1)
        self.tech = SecretForm()
        self.secret_name, self.secret_value, self.save_secret = self.tech.name, self.tech.value, self.tech.save
        self.tech.saved.connect(lambda _name, _size: self.check_again())
        self.tech.hide()
        box.addWidget(self.tech)
        self.status = label(role="small")
        self.tech.message.connect(lambda text: self.status.setText(text))
        box.addWidget(self.status)
        box.addWidget(self.again)
        QShortcut(QKeySequence("Ctrl+Alt+T"), self, self.open_technician)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check_again)
        self.timer.start(RECHECK_S * 1000)
        self.retranslate()
        self._show_checks(first)

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Out of service"))
        self.text.setText(translate("kiosk", "This counter is not ready yet. Please ask the staff."))
        self.again.setText(translate("kiosk", "Check again"))
        self.tech.retranslate()

    def start(self) -> None:
        if self._fullscreen:
            self.showFullScreen()
        else:
            self.resize(1024, 768)
            self.show()

    def visible_texts(self) -> list[str]:
        return [w.text() for w in (self.title, self.text) if w.text()]

    # -- checks ----------------------------------------------------------------------------
    def check_again(self) -> None:
        if self._checking:
            return
        self._checking = True
        self.status.setText(translate("kiosk", "Checking…"))
        relay, problems = self._relay, self._problems  # not self: the window must die on the GUI thread
        threading.Thread(
            target=lambda: relay.checked.emit(problems()), name="out-of-service-check", daemon=True
        ).start()

    def _show_checks(self, problems: list[CheckResult]) -> None:
        self._checking = False
        self.status.setText("")
        if not problems:
            self.timer.stop()
            self.close()
            self._ready()
            return
        lines = [f"✗ {p.name}: {p.detail}" + (f"\n    → {p.hint}" if p.hint else "") for p in problems]
        self.checks.setText("\n".join(lines))

    # -- technician ------------------------------------------------------------------------
    def open_technician(self) -> None:
        pin, ok = QInputDialog.getText(
            self, translate("kiosk", "Technician"), translate("kiosk", "Technician PIN"), QLineEdit.EchoMode.Password
        )
        if not ok:
            return
        if self._technician_pin(pin):
            self.tech.show()
            self.status.setText("")
        else:
            self.status.setText(
                translate("kiosk", "Wrong PIN, or no technician PIN set yet (kiosk staff-pin set technician).")
            )
