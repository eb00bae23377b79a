"""Step 2½, only for a card without a MyKey ID (issue 18): one consent screen.

The card has already proven itself with the one PIN entry; the engine keeps that proof in
memory while this screen is shown. "Agree and create" sets the MyKey ID up with it
(kiosk.exchange.engine.consent_mykey: no second tap, no second PIN); "Stop" sends nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.ui.pages_card import steps_text
from kiosk.ui.widgets import Banner, BigButton, Page, label

translate = QCoreApplication.translate


class MykeyPage(Page):
    name = "mykey"
    answered = Signal(bool)  # True: the citizen consents to the set-up

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.step = label(role="step")
        self.title = label(role="title")
        self.what = label(role="body")
        self.made = label(role="body")
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
        box.addWidget(self.what)
        box.addWidget(self.made)
        box.addStretch(1)
        box.addWidget(self.banner)
        box.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.step.setText(steps_text(2))
        self.title.setText(translate("kiosk", "Set up a MyKey ID?"))
        self.what.setText(
            translate(
                "kiosk",
                "A MyKey ID is your ID on the national MyKey Platform. Points from the city "
                "and from partners are kept under it.",
            )
        )
        self.made.setText(
            translate(
                "kiosk",
                "With your consent a MyKey ID is created now from your card's certificate. "
                "No new PIN is needed and your card number is not used.",
            )
        )
        self.back.setText(translate("kiosk", "Stop"))
        self.ok.setText(translate("kiosk", "Agree and create"))
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.banner.show_problem(view.problem)
