"""The clerk's screen for today (opened from the clerk screen): today's exchanges (correct one,
reprint its receipt), the day's closing slip and the receipt printer's state. Printing and the
printer check run on the card worker (a network printer may hang); every action is audited
naming the clerk signed in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QVBoxLayout

from kiosk.exchange.view import short_number
from kiosk.store import audit
from kiosk.ui.day_close import (
    PRINTER_NONE,
    PRINTER_READY,
    PRINTER_UNREACHABLE,
    day_figures,
    printer_text,
    receipt_of,
    render_slip,
    slip_pdf,
)
from kiosk.ui.staff_pages import CLERK_NAME
from kiosk.ui.texts import local_time, points
from kiosk.ui.widgets import BigButton, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate


class TodayPage(Page):
    name = "today"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.list = QListWidget()
        self.list.setObjectName("today_exchanges")
        self.printer = label(role="small")
        self.printer.setObjectName("printer_state")
        row = QHBoxLayout()
        self.reverse_button = BigButton(role="danger")
        self.reverse_button.clicked.connect(self._reverse)
        self.reprint_button = BigButton(role="quiet")
        self.reprint_button.clicked.connect(self._reprint)
        self.slip_button = BigButton(role="quiet")
        self.slip_button.clicked.connect(self._slip)
        for b in (self.reverse_button, self.reprint_button, self.slip_button):
            row.addWidget(b)
        self.reason = QLineEdit()  # a correction says why (required, audited)
        self.status = label(role="small")
        self.back_button = BigButton(role="primary")
        self.back_button.clicked.connect(self._back)
        box.addWidget(self.title)
        box.addWidget(self.list, 1)
        box.addWidget(self.printer)
        box.addWidget(self.reason)
        box.addLayout(row)
        box.addWidget(self.status)
        box.addWidget(self.back_button)
        self._ids: list[str] = []
        self._reversed: set[str] = set()
        self.printer_state = PRINTER_NONE if self.main.printer is None else ""
        self.main.worker.job_done.connect(self._job_done)
        self.retranslate()

    def open(self) -> None:
        self.status.setText("")
        self.reason.clear()
        self.refresh()

    def _clerk(self) -> str:
        return self.main.clerk_id or CLERK_NAME

    def _back(self) -> None:
        self.main.local = "clerk"
        self.main.pages["clerk"].open()
        self.main.show_page("clerk")

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Today's exchanges"))
        self.reason.setPlaceholderText(translate("kiosk", "Reason (required)"))
        self.back_button.setText(translate("kiosk", "Back to the clerk screen"))
        self.reverse_button.setText(translate("kiosk", "Correct (reverse)"))
        self.reprint_button.setText(translate("kiosk", "Reprint receipt"))
        self.slip_button.setText(translate("kiosk", "Closing slip"))
        self._show_printer()

    def refresh(self) -> None:
        if self.main.parts is None:
            return
        fig = day_figures(self.main.parts.store)
        self.list.clear()
        self._ids = [line.exchange_id for line in fig.lines]
        self._reversed = {line.exchange_id for line in fig.lines if line.reversed}
        for line in fig.lines:
            text = translate("kiosk", "{t} {id}: {p} points, loaded {l}").format(
                t=local_time(line.at)[11:],
                id=short_number(line.exchange_id),
                p=points(line.points),
                l=points(line.loaded),
            )
            if line.reversed:
                text += " " + translate("kiosk", "(corrected)")
            self.list.addItem(text)
        self.reverse_button.setEnabled(bool(fig.lines) and self.main.reversals is not None)
        self.reprint_button.setEnabled(bool(fig.lines) and self.main.printer is not None)
        self.check_printer()

    # -- the printer ---------------------------------------------------------------------
    def check_printer(self) -> None:
        printer = self.main.printer
        if printer is None:
            self.printer_state = PRINTER_NONE
            self._show_printer()
            return
        self.main.worker.call("clerk_printer", lambda _e: printer.reachable())

    def _show_printer(self) -> None:
        state = self.printer_state
        self.printer.setText(
            translate("kiosk", "Receipt printer: {s}").format(s=printer_text(state) if state else "…")
            + ("  ⚠" if state == PRINTER_UNREACHABLE else "")
        )

    # -- actions -------------------------------------------------------------------------
    def _selected(self) -> str | None:
        i = self.list.currentRow()
        if i < 0:
            self.status.setText(translate("kiosk", "Choose an exchange of today first."))
            return None
        return self._ids[i]

    def _reverse(self) -> None:
        exchange_id = self._selected()
        if exchange_id is None:
            return
        reason = self.reason.text().strip()
        if not reason:
            self.status.setText(translate("kiosk", "Write the reason for the correction."))
            return
        if exchange_id in self._reversed:
            self.status.setText(translate("kiosk", "This exchange was corrected already."))
            return
        w = self.main
        w.local = "reversal"
        w.pages["reversal"].start(exchange_id, reason, self._clerk())
        w.show_page("reversal")

    def _reprint(self) -> None:
        exchange_id = self._selected()
        printer, parts, clerk = self.main.printer, self.main.parts, self._clerk()
        if exchange_id is None or printer is None:
            return

        def run(_engine):
            ok = printer.print_receipt(receipt_of(parts, exchange_id), reissued=True)
            audit.append(
                parts.store, "clerk", "reprint_receipt", {"exchange_id": exchange_id, "clerk": clerk, "ok": ok}
            )
            return ok

        self.main.worker.call("clerk_reprint", run)

    def _slip(self) -> None:
        from kiosk.config import data_dir

        printer, parts, clerk = self.main.printer, self.main.parts, self._clerk()
        folder = data_dir() / "claims"
        self.status.setText(translate("kiosk", "Working…"))

        def run(_engine):
            state = PRINTER_NONE if printer is None else (PRINTER_READY if printer.reachable() else PRINTER_UNREACHABLE)
            fig = day_figures(parts.store, printer=state)
            path = slip_pdf(fig, folder)
            printed = printer.print_image(render_slip(fig)) if state == PRINTER_READY else False
            audit.append(
                parts.store, "clerk", "closing_slip", {"day": fig.day.isoformat(), "clerk": clerk, "printed": printed}
            )
            return path, state, printed

        self.main.worker.call("clerk_slip", run)

    def _job_done(self, what: str, result) -> None:
        status = self.status
        if what == "clerk_printer":
            self.printer_state = PRINTER_READY if result is True else PRINTER_UNREACHABLE
            self._show_printer()
        elif what == "clerk_reprint":
            if result is True:
                status.setText(translate("kiosk", "Receipt reprinted (marked Reissued)."))
            else:
                self.printer_state = PRINTER_UNREACHABLE
                self._show_printer()
                status.setText(translate("kiosk", "The receipt printer cannot be reached."))
        elif what == "clerk_slip":
            if isinstance(result, Exception):
                status.setText(translate("kiosk", "Could not export: {e}").format(e=result))
                return
            path, state, printed = result
            self.printer_state = state
            self._show_printer()
            text = translate("kiosk", "Saved: {path}").format(path=path)
            if state == PRINTER_UNREACHABLE or (state == PRINTER_READY and not printed):
                text += "\n" + translate("kiosk", "The receipt printer cannot be reached.")
            elif printed:
                text += "\n" + translate("kiosk", "Printed.")
            status.setText(text)
