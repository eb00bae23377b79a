"""After the PIN, for a citizen with neither usable nor reserved points (often a first-time
citizen whose MyKey ID was just set up): how partner points become reserved points (on the
partner's site, step 2 of the city's procedure), a QR code of the MyKey Platform's public
page (config `mykey.guide_url`) and, with a receipt printer, a guide slip to take home."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, Signal
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.ui.guide_qr import qr_svg
from kiosk.ui.widgets import BigButton, Page, label

translate = QCoreApplication.translate
QR_PX = 180  # small enough for 1024x600, large enough for a phone at arm's length


class NoPointsPage(Page):
    name = "no_points"
    finished = Signal()
    print_requested = Signal()

    def __init__(self, guide_url: str = "", parent=None):
        super().__init__(parent)
        self.guide_url = guide_url
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.how = label(role="body")
        row = QHBoxLayout()
        self.qr = QSvgWidget()
        self.qr.setFixedSize(QR_PX, QR_PX)
        if guide_url:
            self.qr.load(QByteArray(qr_svg(guide_url)))
        self.qr.setVisible(bool(guide_url))
        self.scan = label(role="hint")
        row.addWidget(self.qr)
        row.addWidget(self.scan, 1)
        buttons = QHBoxLayout()
        self.print_button = BigButton(role="quiet")
        self.print_button.clicked.connect(self.print_requested)
        self.print_button.setVisible(False)
        self.ok = BigButton(role="primary")
        self.ok.clicked.connect(self.finished)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.ok)
        box.addWidget(self.title)
        box.addWidget(self.how)
        box.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)
        box.addLayout(buttons)
        self.retranslate()

    def set_printer(self, present: bool) -> None:
        self.print_button.setVisible(present)

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "There are no points to exchange yet"))
        self.how.setText(how_text())
        self.scan.setText(
            translate("kiosk", "Scan the code for the MyKey Platform's guide.") + "\n" + self.guide_url
            if self.guide_url
            else ""
        )
        self.print_button.setText(translate("kiosk", "Print the guide"))
        self.ok.setText(translate("kiosk", "Finish"))


def how_text() -> str:
    """Step 2 of the city's procedure, said once for the screen and the slip."""
    return translate(
        "kiosk",
        "Partner points (for example shop points) become reserved points when you move them to the "
        "MyKey Platform on the partner's website. Then come back here: they can be added at the counter.",
    )
