"""Step 4 and the end: place the Breka card, loading, done with the receipt, one error."""

from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QProgressBar, QVBoxLayout

from kiosk.exchange.view import short_number
from kiosk.ui.pages_card import steps_text
from kiosk.ui.pictures import CardPicture
from kiosk.ui.texts import expiry, local_time, points, problem_text
from kiosk.ui.widgets import Banner, BigButton, MessagePage, Page, label

translate = QCoreApplication.translate

# What the loading screen says while the card worker runs an event.
BUSY = {
    "card": QT_TRANSLATE_NOOP("kiosk", "Reading the card…"),
    "pin": QT_TRANSLATE_NOOP("kiosk", "Checking the PIN and your points…"),
    "hold": QT_TRANSLATE_NOOP("kiosk", "Reserving your points…"),
    "assign": QT_TRANSLATE_NOOP("kiosk", "Adding your reserved points…"),
    "mykey": QT_TRANSLATE_NOOP("kiosk", "Setting up your MyKey ID…"),
    "load": QT_TRANSLATE_NOOP("kiosk", "Loading Breka points onto the card…"),
    "amount": QT_TRANSLATE_NOOP("kiosk", "Checking the amount…"),
    "cancel": QT_TRANSLATE_NOOP("kiosk", "Stopping…"),
    "reset": QT_TRANSLATE_NOOP("kiosk", "Stopping…"),
}


class TapBrekaPage(Page):
    name = "tap_breka"
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.step = label(role="step")
        # The first thing to do is take the My Number Card away (it would be read instead):
        # the main line says that; placing the Breka card follows it, with the picture.
        self.title = label(role="title")
        self.picture = CardPicture("breka")
        self.hint = label(role="hint")
        self.loaded = label(role="small")
        self.banner = Banner()
        self.cancel = BigButton(role="danger")
        self.cancel.clicked.connect(self.cancel_requested)
        box.addWidget(self.step)
        box.addWidget(self.title)
        box.addWidget(self.picture, 1)
        box.addWidget(self.hint)
        box.addWidget(self.loaded)
        box.addWidget(self.banner)
        box.addWidget(self.cancel)
        self.retranslate()

    def retranslate(self) -> None:
        self.step.setText(steps_text(4))
        self.title.setText(translate("kiosk", "Take your My Number Card off the reader"))
        self.hint.setText(
            translate("kiosk", "Then place your Breka card on the reader and keep it there until the screen says Done.")
        )
        self.cancel.setText(translate("kiosk", "Stop"))
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.loaded.setText(translate("kiosk", "{n} Breka points will be loaded").format(n=points(view.loaded)))
        self.banner.show_problem(view.problem)
        # After an interrupted load only the same card can settle it: no "stop" then.
        self.cancel.setVisible(not (view.problem and view.problem.code == "tap_same_card_again"))


class LoadingPage(Page):
    name = "loading"

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.keep = label(role="hint")
        # While the card signs or commits (Connection.announce): the one instruction that matters.
        self.still = label(role="banner-title")
        self.still.hide()
        self.still_since: float | None = None  # time.monotonic() when it was shown (tests)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # the card and the cloud do not report progress: a moving bar
        self.bar.setTextVisible(False)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.bar)
        box.addWidget(self.keep)
        box.addWidget(self.still)
        box.addStretch(1)
        self.what = "card"
        self.retranslate()

    def set_busy(self, what: str) -> None:
        self.what = what
        self.still.hide()
        self.keep.show()
        self.still_since = None
        self.retranslate()

    def hold_still(self) -> None:
        """The card is about to sign or commit: only "do not move the card" is said."""
        self.keep.hide()
        self.still.show()
        self.still_since = time.monotonic()

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", str(BUSY.get(self.what, BUSY["card"]))))
        self.keep.setText(translate("kiosk", "Please wait. Do not move the card."))
        self.still.setText(translate("kiosk", "Do not move the card"))


class DonePage(Page):
    name = "done"
    finished = Signal()
    print_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.loaded = label(role="figure")
        grid = QGridLayout()
        self.rows = [(label(role="small"), label(role="body")) for _ in range(8)]
        for i, (n, v) in enumerate(self.rows):
            grid.addWidget(n, i // 2, (i % 2) * 2)
            grid.addWidget(v, i // 2, (i % 2) * 2 + 1)
        self.assigned = label(role="small")
        self.assigned.hide()
        self.pending = label(role="small")
        self.take = label(role="hint")
        buttons = QHBoxLayout()
        self.print = BigButton(role="quiet")
        self.print.clicked.connect(self.print_requested)
        self.print.hide()
        self.ok = BigButton(role="primary")
        self.ok.clicked.connect(self.finished)
        buttons.addWidget(self.print)
        buttons.addWidget(self.ok)
        box.addWidget(self.title)
        box.addWidget(self.loaded)
        box.addLayout(grid)
        box.addWidget(self.assigned)
        box.addWidget(self.pending)
        box.addStretch(1)
        box.addWidget(self.take)
        box.addLayout(buttons)
        self.retranslate()

    def set_printer(self, available: bool) -> None:
        self.print.setVisible(available)

    def printer_failed(self) -> None:
        """The printer did not take the receipt: said here, the figures stay on screen."""
        self.pending.setText(
            translate("kiosk", "The receipt printer cannot be reached. The figures above are your receipt.")
        )

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Done"))
        self.take.setText(translate("kiosk", "Please take your Breka card. Thank you."))
        self.print.setText(translate("kiosk", "Print a receipt"))
        self.ok.setText(translate("kiosk", "Finish"))
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        r = view.receipt
        if r is None:
            return
        self.loaded.setText(translate("kiosk", "{n} Breka points were loaded").format(n=points(r.loaded)))
        values = [
            (translate("kiosk", "Experiment points used"), points(r.points_used)),
            (translate("kiosk", "Fee (1/11)"), points(r.fee)),
            (translate("kiosk", "Breka balance before"), points(r.card_balance_before)),
            (translate("kiosk", "Breka balance now"), points(r.card_balance_after)),
            (translate("kiosk", "Experiment points left"), points(r.points_left)),
            (translate("kiosk", "Next expiry"), expiry(r.nearest_expiry) if r.nearest_expiry else "-"),
            (translate("kiosk", "Date"), local_time(r.at)),
            (translate("kiosk", "Receipt no."), short_number(r.exchange_id)),
        ]
        for (n, v), (name, value) in zip(self.rows, values):
            n.setText(name)
            v.setText(value)
        self.assigned.setText(
            translate("kiosk", "Reserved points added: {n}").format(n=points(r.reserved_assigned))
            if r.reserved_assigned
            else ""
        )
        self.assigned.setVisible(bool(r.reserved_assigned))
        self.pending.setText(
            translate("kiosk", "The points are on your card. The record will be sent to the city later.")
            if r.cloud_pending
            else ""
        )


class ErrorPage(MessagePage):
    """One failure, one plain instruction, one button."""

    name = "error"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.code = ""
        self.retranslate()

    def retranslate(self) -> None:
        self.back.setText(translate("kiosk", "Back to the start"))
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.code = view.problem.code if view.problem else "internal_error"
        title, text = problem_text(view.problem)
        self.title.setText(title or translate("kiosk", "Something went wrong"))
        self.text.setText(text)
