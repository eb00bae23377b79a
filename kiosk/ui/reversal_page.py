"""The correction screen: the clerk reverses a committed exchange of today with the citizen
present (kiosk.exchange.reversal). Two steps on the reader: the citizen's My Number Card and
their PIN (proves the holder), then their Breka card (gives the loaded points back). Every card
and cloud call runs on the card worker; the engine ignores taps meanwhile (`reader_reserved`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.exchange.view import short_number
from kiosk.ui.texts import points
from kiosk.ui.widgets import BigButton, Keypad, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate


def refusal_text(code: str) -> str:
    texts = {
        "not_committed": translate("kiosk", "Only a finished exchange can be corrected."),
        "other_day": translate("kiosk", "Only an exchange of today can be corrected."),
        "already_reversed": translate("kiosk", "This exchange was corrected already."),
        "other_holder": translate("kiosk", "This My Number Card is not the one of the exchange."),
        "other_card": translate("kiosk", "This is not the Breka card of the exchange."),
        "points_spent": translate(
            "kiosk", "The Breka card no longer holds the loaded points (spent): it cannot be corrected here."
        ),
    }
    return texts.get(code, code)


def unprovable_text() -> str:
    return translate(
        "kiosk",
        "The card's log no longer reaches back to the interrupted correction: ask the Breka operator whether "
        "the points were taken back. Nothing more is taken from the card until then.",
    )


class ReversalPage(Page):
    name = "reversal"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window
        self.exchange_id = self.reason = self.clerk = ""
        self._figures: tuple[int | None, int | None] | None = None  # (points, loaded) of the exchange
        self.reversal_id: str | None = None
        self.holder = None
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.title = label(role="title")
        self.step = label(role="body")
        self.entry = label(role="entry")
        self.status = label(role="small")
        self.status.setObjectName("reversal_status")
        self.take_back = BigButton(role="primary")
        self.take_back.clicked.connect(self._take_back)
        self.close_button = BigButton(role="quiet")
        self.close_button.clicked.connect(self._close)
        for w in (self.title, self.step, self.entry, self.status):
            left.addWidget(w)
        left.addStretch(1)
        left.addWidget(self.take_back)
        left.addWidget(self.close_button)
        outer.addLayout(left, 5)
        right = QVBoxLayout()
        self.keypad = Keypad(4, masked=True)  # the card's user-authentication PIN
        self.keypad.changed.connect(lambda _t: self.entry.setText(self.keypad.shown() or " "))
        self.ok = BigButton(role="primary")
        self.ok.clicked.connect(self._pin_entered)
        right.addWidget(self.keypad)
        right.addWidget(self.ok)
        outer.addLayout(right, 4)
        window.worker.job_done.connect(self._job_done)
        self.retranslate()

    def start(self, exchange_id: str, reason: str, clerk: str) -> None:
        self.exchange_id, self.reason, self.clerk = exchange_id, reason, clerk
        row = self.main.parts.journal.get(exchange_id) if self.main.parts is not None else None
        # Read once here: retranslate runs on language changes and the idle wipe, and must not
        # reach for the database (it may be closed by then, at shutdown).
        self._figures = (row.points, row.loaded) if row is not None else None
        self.reversal_id, self.holder = None, None
        self.keypad.wipe()
        self.status.setText("")
        self._show_step(1)

        def reserve(engine):
            engine.reader_reserved = True

        self.main.worker.call("reversal_reserve", reserve)

    def _show_step(self, n: int) -> None:
        self._step = n
        self.keypad.setVisible(n == 1)
        self.ok.setVisible(n == 1)
        self.entry.setVisible(n == 1)
        self.take_back.setVisible(n == 2)
        self.retranslate()

    def retranslate(self) -> None:
        figures = self._figures if self.exchange_id else None
        self.title.setText(
            translate("kiosk", "Correction of exchange {id}: {p} points, {l} Breka points loaded").format(
                id=short_number(self.exchange_id), p=points(figures[0]), l=points(figures[1])
            )
            if figures is not None
            else translate("kiosk", "Correction")
        )
        if getattr(self, "_step", 1) == 1:
            self.step.setText(
                translate(
                    "kiosk",
                    "1. The citizen puts their My Number Card on the reader and enters the card's 4-digit PIN.",
                )
            )
        elif self._step == 2:
            self.step.setText(
                translate("kiosk", "2. Put the Breka card of the exchange on the reader, then press Take back.")
            )
        self.take_back.setText(translate("kiosk", "Take back the Breka points"))
        self.close_button.setText(translate("kiosk", "Back to the clerk screen"))
        self.ok.setText(translate("kiosk", "OK"))
        self.keypad.retranslate()

    def wipe(self) -> None:
        self.keypad.wipe()
        self.holder = None

    def _pin_entered(self) -> None:
        pin = self.keypad.text()
        self.keypad.wipe()
        if len(pin) != 4:
            return
        self.status.setText(translate("kiosk", "Working…"))
        reversals, exchange_id, clerk, reason = self.main.reversals, self.exchange_id, self.clerk, self.reason

        def prove(engine, entered=pin):
            from kiosk.exchange.reversal import prove_holder

            conn = engine.reader.connect()
            try:
                holder = prove_holder(conn, entered, engine.cloud)
            finally:
                conn.close()  # power down: the verified PIN does not outlive the signature
            return holder, reversals.begin(exchange_id, holder.mykey_id, clerk, reason)

        self.main.worker.call("reversal_holder", prove)
        del pin

    def _take_back(self) -> None:
        if self.reversal_id is None:
            return
        self.status.setText(translate("kiosk", "Working…"))
        reversals, reversal_id, holder = self.main.reversals, self.reversal_id, self.holder

        def card(engine):
            conn = engine.reader.connect()
            try:
                reversals.on_card(reversal_id, conn, engine.keys.load_master())
            finally:
                conn.close()
            return reversals.finish(reversal_id, holder)

        self.main.worker.call("reversal_card", card)

    def _job_done(self, what: str, result) -> None:
        if what not in ("reversal_holder", "reversal_card"):
            return
        from kiosk.cardio.breka_reversal import ReversalOutcomeUnknown, ReversalOutcomeUnprovable
        from kiosk.cardio.errors import PinIncorrect
        from kiosk.exchange.reversal import NotReversible
        from kiosk.sync.cloud_errors import CloudError

        if isinstance(result, NotReversible):
            self.status.setText(refusal_text(result.code))
            if result.code == "points_spent":
                self.take_back.setEnabled(False)
        elif isinstance(result, PinIncorrect):
            self.status.setText(translate("kiosk", "Wrong PIN. {n} tries left.").format(n=result.tries_left))
        elif isinstance(result, ReversalOutcomeUnknown):
            self.status.setText(
                translate("kiosk", "The card left too early. Put the same Breka card back and press Take back again.")
            )
        elif isinstance(result, ReversalOutcomeUnprovable):
            self.status.setText(unprovable_text())
            self.take_back.setEnabled(False)  # trying again cannot tell either: a person decides
        elif isinstance(result, CloudError) and what == "reversal_card":
            self.status.setText(
                translate("kiosk", "The card gave the points back. The point service is told automatically later.")
            )
            self.take_back.setEnabled(False)
        elif isinstance(result, Exception):
            self.status.setText(translate("kiosk", "Could not read the card: {e}").format(e=result))
        elif what == "reversal_holder":
            self.holder, self.reversal_id = result
            self.status.setText("")
            self.take_back.setEnabled(True)
            self._show_step(2)
        else:
            self.status.setText(
                translate("kiosk", "Corrected: {l} Breka points taken back, {p} points returned.").format(
                    l=points(result.unloaded), p=points(self.main.parts.journal.get(self.exchange_id).points)
                )
            )
            self.take_back.setEnabled(False)
            self.holder = None

    def _close(self) -> None:
        def release(engine):
            engine.reader_reserved = False

        self.main.worker.call("reversal_release", release)
        self.wipe()
        self.main.local = "today"
        self.main.pages["today"].open()
        self.main.show_page("today")
