""" "Are you still there?": a countdown well before the idle wipe, with one big button.

Elderly citizens read slowly and look for their card; a wipe without warning threw away a
PIN, an amount or a clerk-approved exchange. The warning covers the screen for the last
WARN_S seconds of the idle time; any touch or key (the window's input watcher) keeps the
citizen's place, and the button says so plainly.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.widgets import BigButton, label

translate = QCoreApplication.translate
WARN_S = 20  # how long the countdown shows before the wipe


class IdleWarning(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._over = parent  # the window it covers
        self.setObjectName("idle_warning")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#idle_warning { background: #ffffff; }")
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.countdown = label(role="figure")
        self.text = label(role="body")
        self.keep = BigButton(role="primary")
        self.keep.setMinimumHeight(120)
        self.keep.clicked.connect(self.hide)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.countdown)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addWidget(self.keep)
        self._left = 0
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._step)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Are you still there?"))
        self.text.setText(translate("kiosk", "Without a touch, the screen goes back to the start."))
        self.keep.setText(translate("kiosk", "Continue"))
        self._show_left()

    def start(self, seconds: int) -> None:
        self._left = seconds
        self._show_left()
        self.setGeometry(self._over.rect())
        self.raise_()
        self.show()
        self._tick.start()

    def hide(self) -> None:
        self._tick.stop()
        super().hide()

    def _step(self) -> None:
        self._left = max(0, self._left - 1)
        self._show_left()

    def _show_left(self) -> None:
        self.countdown.setText(translate("kiosk", "{s} seconds").format(s=self._left))
