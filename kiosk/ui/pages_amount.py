"""Step 3: the holder's points with each lot's expiry, the amount, and the confirmation.

The fee and the Breka points are shown as the holder types (kiosk.rules.quote), and the
amount is checked as it is typed (kiosk.rules.validate_amount) so the "Next" button only
lights up for an amount the engine will accept (or one that needs a clerk).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout

from kiosk.exchange.view import Problem, masked_mykey
from kiosk.rules import AmountError, AmountLimits, NeedsClerkApproval, quote, validate_amount
from kiosk.ui.pages_card import steps_text
from kiosk.ui.texts import expiry, points
from kiosk.ui.widgets import MIN_TOUCH, Banner, BigButton, Keypad, Page, label

translate = QCoreApplication.translate
QUICK = (1_000, 3_000, 5_000, 10_000)
MAX_LOTS_SHOWN = 4
ROW_NAMES = (
    QT_TRANSLATE_NOOP("kiosk", "Experiment points used"),
    QT_TRANSLATE_NOOP("kiosk", "Fee (1/11)"),
    QT_TRANSLATE_NOOP("kiosk", "Breka points you receive"),
)


class AmountPage(Page):
    name = "amount"
    amount_chosen = Signal(str, bool)  # digits, needs a clerk
    cancel_requested = Signal()
    reserved_requested = Signal()  # "Add reserved points": the consent screen

    def __init__(self, clerk_threshold: int = 50_000, card_upper_limit: int = 1_000_000, parent=None):
        super().__init__(parent)
        self.clerk_threshold, self.card_upper_limit = clerk_threshold, card_upper_limit
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.step = label(role="step")
        self.made = label(role="small")  # a MyKey ID set up in this visit, masked
        self.usable_title = label(role="body")
        self.usable = label(role="figure")
        self.lots = label(role="small")
        self.soon = label(role="soon")  # lots that expire within 14 days: said, not only coloured
        self.reserved = label(role="soon")
        self.reserved_button = BigButton(role="quiet")
        self.reserved_button.clicked.connect(self.reserved_requested)
        self.closed = label(role="small")
        self.quote = label(role="hint")
        self.banner = Banner()
        self.cancel = BigButton(role="danger")
        self.cancel.clicked.connect(self._cancel)
        for w in (
            self.step,
            self.made,
            self.usable_title,
            self.usable,
            self.lots,
            self.soon,
            self.reserved,
            self.reserved_button,
            self.closed,
        ):
            left.addWidget(w)
        left.addStretch(1)
        left.addWidget(self.quote)
        left.addWidget(self.banner)
        left.addWidget(self.cancel)
        outer.addLayout(left, 5)

        right = QVBoxLayout()
        self.title = label(role="body")
        self.entry = label(role="entry")
        quick = QGridLayout()
        self.all_button = BigButton(role="quick")
        self.all_button.clicked.connect(lambda: self.keypad.set_text(str(self._usable())))
        quick.addWidget(self.all_button, 0, 0)
        self.quick = []
        for i, n in enumerate(QUICK):
            b = BigButton(points(n), role="quick")
            b.clicked.connect(lambda _=False, n=n: self.keypad.set_text(str(n)))
            quick.addWidget(b, 0, i + 1)
            self.quick.append((n, b))
        for column, b in enumerate([self.all_button] + [b for _, b in self.quick]):
            b.setMinimumWidth(MIN_TOUCH)  # five in a row on a 1024-wide screen: equal, text-sized
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            quick.setColumnStretch(column, 1)
        self.keypad: Keypad = Keypad(7)
        self.keypad.changed.connect(self._typed)
        self.next = BigButton(role="primary")
        self.next.clicked.connect(self._next)
        right.addWidget(self.title)
        right.addWidget(self.entry)
        right.addLayout(quick)
        right.addWidget(self.keypad)
        right.addWidget(self.next)
        outer.addLayout(right, 5)
        self.retranslate()

    def retranslate(self) -> None:
        self.step.setText(steps_text(3))
        self.usable_title.setText(translate("kiosk", "Your experiment points"))
        self.title.setText(translate("kiosk", "How many points do you exchange?"))
        self.all_button.setText(translate("kiosk", "All"))
        self.reserved_button.setText(translate("kiosk", "Add reserved points"))
        self.closed.setText(
            translate("kiosk", "Points are no longer issued. Your points stay usable until their dates.")
        )
        self.cancel.setText(translate("kiosk", "Stop"))
        self.keypad.retranslate()
        if self.view is not None:
            self._render_view(self.view)
        self._typed(self.keypad.text())

    def _usable(self) -> int:
        return self.view.usable if self.view is not None else 0

    def show_view(self, view) -> None:
        super().show_view(view)
        self._render_view(view)
        self.banner.show_problem(view.problem)
        if view.problem is None:
            self.keypad.wipe()
        else:
            self._typed(self.keypad.text())

    def _render_view(self, view) -> None:
        self.made.setText(
            translate("kiosk", "MyKey ID set up: {id}").format(id=masked_mykey(view.mykey_id))
            if view.mykey_created
            else ""
        )
        self.made.setVisible(view.mykey_created)
        self.usable.setText(translate("kiosk", "{n} points").format(n=points(view.usable)))
        shown = view.lots[:MAX_LOTS_SHOWN]
        soon = [
            translate("kiosk", "Expires soon: {n} points, through {date}").format(
                n=points(lot.points), date=expiry(lot.expires_at)
            )
            for lot in shown
            if lot.soon
        ]
        rows = [
            translate("kiosk", "{n} points: usable through {date}").format(
                n=points(lot.points), date=expiry(lot.expires_at)
            )
            for lot in shown
            if not lot.soon
        ]
        if len(view.lots) > MAX_LOTS_SHOWN:
            rows.append(translate("kiosk", "and {n} more").format(n=len(view.lots) - MAX_LOTS_SHOWN))
        if view.lots:
            rows.append(translate("kiosk", "Points that expire first are used first."))
        self.lots.setText("\n".join(rows))
        self.soon.setText("\n".join(soon))
        self.soon.setVisible(bool(soon))
        first = view.reserved_lots[0].expires_at if view.reserved_lots else ""
        self.reserved.setText(
            translate("kiosk", "Reserved points: {n}, usable through {date}").format(
                n=points(view.reserved), date=expiry(first)
            )
            if view.reserved
            else ""
        )
        self.reserved.setVisible(view.reserved > 0)
        self.reserved_button.setVisible(view.reserved_offer)
        self.closed.setVisible(view.issuing_closed)
        for n, button in self.quick:
            button.setEnabled(n <= view.usable)
        self.all_button.setEnabled(view.usable > 0)

    def wipe(self) -> None:
        self.keypad.wipe()
        self.banner.show_problem(None)

    def _check(self, text: str):
        limits = AmountLimits(self._usable(), None, self.card_upper_limit, self.clerk_threshold)
        try:
            return validate_amount(text, limits), None
        except NeedsClerkApproval as exc:
            return int(text), exc
        except AmountError as exc:
            return None, exc

    def _typed(self, text: str) -> None:
        self.entry.setText(points(int(text)) if text else " ")
        if not text:
            self.quote.setText(translate("kiosk", "Fee: 1/11 of the points (fractions dropped)"))
            self.next.setEnabled(False)
            self.next.setText(translate("kiosk", "Next"))
            return
        value, error = self._check(text)
        if value is not None:
            q = quote(value)
            self.quote.setText(
                translate("kiosk", "Fee {fee}  →  Breka points {loaded}").format(
                    fee=points(q.fee), loaded=points(q.loaded)
                )
            )
        else:
            self.quote.setText("")
        self.next.setEnabled(value is not None)
        self.next.setText(
            translate("kiosk", "Call the staff to approve")
            if isinstance(error, NeedsClerkApproval)
            else translate("kiosk", "Next")
        )
        if error is not None:
            self.banner.show_problem(Problem(error.code, dict(error.params)))
        elif self.banner.code in (
            "more_than_usable",
            "not_positive",
            "not_a_whole_number",
            "needs_clerk_approval",
            "more_than_card_holds",
            "insufficient_points",
        ):
            self.banner.show_problem(None)

    def _next(self) -> None:
        text = self.keypad.text()
        value, error = self._check(text)
        if value is not None:
            self.amount_chosen.emit(text, isinstance(error, NeedsClerkApproval))

    def _cancel(self) -> None:
        self.wipe()
        self.cancel_requested.emit()


class ConfirmPage(Page):
    name = "confirm"
    confirmed = Signal()
    change_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.step = label(role="step")
        self.title = label(role="title")
        grid = QGridLayout()
        self.names = [label(role="body") for _ in range(3)]
        self.values = [label(role="figure") for _ in range(3)]
        for i, (n, v) in enumerate(zip(self.names, self.values)):
            grid.addWidget(n, i, 0)
            grid.addWidget(v, i, 1)
        self.note = label(role="small")
        buttons = QHBoxLayout()
        self.cancel = BigButton(role="danger")
        self.change = BigButton(role="quiet")
        self.ok = BigButton(role="primary")
        self.cancel.clicked.connect(self.cancel_requested)
        self.change.clicked.connect(self.change_requested)
        self.ok.clicked.connect(self.confirmed)
        for b in (self.cancel, self.change, self.ok):
            buttons.addWidget(b)
        box.addWidget(self.step)
        box.addWidget(self.title)
        box.addStretch(1)
        box.addLayout(grid)
        box.addWidget(self.note)
        box.addStretch(1)
        box.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.step.setText(steps_text(3))
        self.title.setText(translate("kiosk", "Please check"))
        for w, text in zip(self.names, ROW_NAMES):
            w.setText(translate("kiosk", str(text)))
        self.note.setText(translate("kiosk", "After you press Exchange, you will place your Breka card."))
        self.cancel.setText(translate("kiosk", "Stop"))
        self.change.setText(translate("kiosk", "Change the amount"))
        self.ok.setText(translate("kiosk", "Exchange"))

    def show_view(self, view) -> None:
        super().show_view(view)
        for w, n in zip(self.values, (view.points, view.fee, view.loaded)):
            w.setText(points(n))
