"""Step 2½, only for a card without a MyKey ID (issue 18): one consent screen.

The card has already proven itself with the one PIN entry; the engine keeps that proof in
memory while this screen is shown. "Agree and create" sets the MyKey ID up with it
(kiosk.exchange.engine.consent_mykey: no second tap, no second PIN); "Stop" sends nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from kiosk.ui.consent_page import ConsentPage
from kiosk.ui.pages_card import steps_text
from kiosk.ui.widgets import label

translate = QCoreApplication.translate


class MykeyPage(ConsentPage):
    name = "mykey"

    def body(self) -> list[QWidget]:
        self.what = label(role="body")
        self.made = label(role="body")
        return [self.what, self.made]

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
