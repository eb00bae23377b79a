"""Step 3, only for a holder with reserved points (留保ポイント): one consent screen.

The amount screen shows the reserved points with their expiry and, while the event
issues points, one button to add them; this screen asks once. "Add them" assigns them
to the event in the cloud (kiosk.exchange.engine.assign_reserved); "Not now" sends nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from kiosk.ui.consent_page import ConsentPage
from kiosk.ui.pages_card import steps_text
from kiosk.ui.texts import expiry, points
from kiosk.ui.widgets import label

translate = QCoreApplication.translate


class ReservedPage(ConsentPage):
    name = "reserved"

    def body(self) -> list[QWidget]:
        self.amount = label(role="figure")
        self.text = label(role="body")
        return [self.amount, self.text]

    def retranslate(self) -> None:
        self.step.setText(steps_text(3))
        self.title.setText(translate("kiosk", "Add your reserved points?"))
        self.back.setText(translate("kiosk", "Not now"))
        self.ok.setText(translate("kiosk", "Add them"))
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.amount.setText(translate("kiosk", "{n} points").format(n=points(view.reserved)))
        first = view.reserved_lots[0].expires_at if view.reserved_lots else ""
        self.text.setText(
            translate(
                "kiosk", "Reserved points (usable through {date}) become experiment points you can exchange now."
            ).format(date=expiry(first) if first else "-")
        )
