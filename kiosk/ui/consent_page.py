"""One shape for the citizen's consent screens (reserved points, MyKey ID): the step, a title,
what the page explains, the problem banner, and two answers — back (False) and ok (True)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.widgets import Banner, BigButton, Page, label


class ConsentPage(Page):
    answered = Signal(bool)  # True: the citizen consents

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.step = label(role="step")
        self.title = label(role="title")
        self.banner = Banner()
        buttons = QHBoxLayout()
        self.back = BigButton(role="quiet")
        self.ok = BigButton(role="primary")
        self.back.clicked.connect(lambda: self.answered.emit(False))
        self.ok.clicked.connect(lambda: self.answered.emit(True))
        buttons.addWidget(self.back)
        buttons.addWidget(self.ok)
        box.addWidget(self.step)
        box.addStretch(1)
        box.addWidget(self.title)
        for widget in self.body():
            box.addWidget(widget)
        box.addStretch(1)
        box.addWidget(self.banner)
        box.addLayout(buttons)
        self.retranslate()

    def body(self) -> list[QWidget]:
        """The page's own widgets between the title and the banner."""
        return []

    def show_view(self, view) -> None:
        super().show_view(view)
        self.banner.show_problem(view.problem)
