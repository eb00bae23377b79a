"""The first screens: place the My Number Card, enter the PIN, or "PIN locked"."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.pictures import CardPicture
from kiosk.ui.widgets import Banner, BigButton, Keypad, MessagePage, Page, label

translate = QCoreApplication.translate
PIN_LENGTH = 4


def steps_text(n: int) -> str:
    return translate("kiosk", "Step {n} of 4").format(n=n)


class WaitPage(Page):
    """Step 1: place the My Number Card. Problems of a previous tap show as a banner."""

    name = "wait"

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.step = label(role="step")
        self.title = label(role="title")
        self.flow = label(role="body")
        self.hint = label(role="hint")
        self.banner = Banner()
        self.picture = CardPicture("mynumber")
        box.addWidget(self.step)
        box.addWidget(self.title)
        box.addWidget(self.picture, 1)
        box.addWidget(self.hint)
        box.addWidget(self.banner)
        box.addWidget(self.flow)
        self.retranslate()

    def retranslate(self) -> None:
        self.step.setText(steps_text(1))
        self.title.setText(translate("kiosk", "Place your My Number Card on the reader"))
        self.hint.setText(translate("kiosk", "Keep the card on the reader until the next screen appears."))
        self.flow.setText(translate("kiosk", "1 My Number Card  →  2 PIN  →  3 Amount  →  4 Breka card"))
        if self.view is not None:
            self.banner.show_problem(self.view.problem)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.banner.show_problem(view.problem)


class PinPage(Page):
    """Step 2: the 4-digit PIN, masked, with the tries left and a last-try confirmation."""

    name = "pin"
    pin_entered = Signal(str, bool)  # pin, confirm_last_try
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.step = label(role="step")
        self.title = label(role="title")
        self.entry = label(role="entry")
        self.tries = label(role="body")
        self.banner = Banner()
        left.addWidget(self.step)
        left.addWidget(self.title)
        left.addStretch(1)
        left.addWidget(self.entry)
        left.addWidget(self.tries)
        left.addWidget(self.banner)
        left.addStretch(1)
        self.cancel = BigButton(role="danger")
        self.cancel.clicked.connect(self._cancel)
        left.addWidget(self.cancel)
        outer.addLayout(left, 5)

        right = QVBoxLayout()
        self.keypad = Keypad(PIN_LENGTH, masked=True)
        self.keypad.changed.connect(self._typed)
        self.ok = BigButton(role="primary")
        self.ok.clicked.connect(self._ok)
        right.addWidget(self.keypad)
        right.addWidget(self.ok)
        # The last try: an explicit second step, never a default. One message and one way
        # back (the page's Stop): the wrong-PIN banner and the tries line give way to it.
        self.last_try = QWidget()
        last = QVBoxLayout(self.last_try)
        self.last_text = label(role="banner-title")
        self.last_go = BigButton(role="danger")
        self.last_go.clicked.connect(self._confirm_last)
        last.addStretch(1)
        last.addWidget(self.last_text)
        last.addStretch(1)
        last.addWidget(self.last_go)
        self.last_try.hide()
        right.addWidget(self.last_try)
        outer.addLayout(right, 4)
        self.retranslate()
        self._typed("")

    def retranslate(self) -> None:
        self.step.setText(steps_text(2))
        self.title.setText(translate("kiosk", "Enter the 4-digit PIN of your My Number Card"))
        self.cancel.setText(translate("kiosk", "Stop"))
        self.ok.setText(translate("kiosk", "OK"))
        self.last_text.setText(
            translate(
                "kiosk",
                "Last try. If this PIN is wrong, the card will be locked and you will need "
                "to go to the municipal office.",
            )
        )
        self.last_go.setText(translate("kiosk", "Check this PIN"))
        self.keypad.retranslate()
        if self.view is not None:
            self.show_view(self.view)

    def show_view(self, view) -> None:
        super().show_view(view)
        self.keypad.wipe()
        self._last_try(False)
        tries = view.tries_left
        self.tries.setText(translate("kiosk", "Tries left: {n}").format(n=tries) if tries is not None else "")
        self.banner.show_problem(view.problem)

    def wipe(self) -> None:
        self.keypad.wipe()
        self._last_try(False)

    def _last_try(self, on: bool) -> None:
        """The last-try question replaces the keypad, the tries line and the banner."""
        self.last_try.setVisible(on)
        self.keypad.setVisible(not on)
        self.ok.setVisible(not on)
        self.tries.setVisible(not on)
        self.entry.setVisible(not on)
        if on:
            self.banner.hide()
        elif self.view is not None:
            self.banner.show_problem(self.view.problem)

    def _typed(self, text: str) -> None:
        self.entry.setText(self.keypad.shown() or " ")
        self.ok.setEnabled(len(text) == PIN_LENGTH)

    def _ok(self) -> None:
        if len(self.keypad.text()) != PIN_LENGTH:
            return
        if self.view is not None and self.view.tries_left == 1:
            self._last_try(True)
            return
        self._send(False)

    def _confirm_last(self) -> None:
        self._send(True)

    def _send(self, confirm_last_try: bool) -> None:
        pin = self.keypad.text()
        self.keypad.wipe()
        self.last_try.hide()
        self.keypad.show()
        self.ok.show()
        self.pin_entered.emit(pin, confirm_last_try)
        del pin

    def _cancel(self) -> None:
        self.wipe()
        self.cancel_requested.emit()


class LockedPage(MessagePage):
    """The PIN is blocked: the only way forward is the municipal office."""

    name = "locked"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "This card's PIN is locked"))
        self.text.setText(
            translate(
                "kiosk", "Please take your card and go to the municipal office to unlock the PIN. Your points are safe."
            )
        )
        self.back.setText(translate("kiosk", "Back to the start"))
