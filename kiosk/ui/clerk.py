"""Clerk mode: today's totals, unfinished exchanges (cancel with a reason), the way to the
claim screen (kiosk/ui/claim_page.py) and the outbox status. Network work runs on the card
worker; every action is audited (the finisher audits cancellations, make_claim the claims)."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QListWidget, QVBoxLayout

from kiosk.cardio.breka_load import LoadOutcomeUnprovable
from kiosk.exchange.finish import CardNeeded
from kiosk.exchange.recovery import ALERT_COMMIT_REFUSED, ALERT_LOAD_UNPROVABLE, alerts
from kiosk.exchange.view import short_number
from kiosk.rules import JST
from kiosk.ui.staff_pages import CLERK_NAME
from kiosk.ui.texts import points
from kiosk.ui.widgets import BigButton, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate


def today_totals(store, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    start = datetime.combine(now.astimezone(JST).date(), dtime(0), JST).astimezone(UTC)
    row = store.query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(points),0) AS p, COALESCE(SUM(fee),0) AS f, "
        "COALESCE(SUM(loaded),0) AS l FROM exchanges WHERE state = 'committed' AND created_at >= ?",
        (start.isoformat(timespec="milliseconds"),),
    )[0]
    return {"count": row["n"], "points": row["p"], "fee": row["f"], "loaded": row["l"]}


class ClerkPage(Page):
    name = "clerk"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window  # not `self.window`: that is QWidget.window()
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.today = label(role="body")
        self.outbox = label(role="small")
        box.addWidget(self.title)
        grid = QGridLayout()
        grid.addWidget(self.today, 0, 0)
        grid.addWidget(self.outbox, 0, 1)
        box.addLayout(grid)
        self.unfinished_title = label(role="body")
        self.unfinished = QListWidget()
        self.reason = QLineEdit()
        self.cancel_button = BigButton(role="danger")
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.lost_button = BigButton(role="quiet")
        self.lost_button.clicked.connect(self._card_lost)
        self.alerts = label(role="small")
        self.alerts.setObjectName("alerts")
        box.addWidget(self.unfinished_title)
        box.addWidget(self.unfinished, 1)
        box.addWidget(self.alerts)
        box.addWidget(self.reason)  # a row of its own: the buttons beside it keep their words
        row = QHBoxLayout()
        row.addWidget(self.cancel_button, 2)
        row.addWidget(self.lost_button, 1)
        box.addLayout(row)
        self.claim_button = BigButton(role="quiet")  # the claim to the city: kiosk/ui/claim_page.py
        self.claim_button.clicked.connect(self._claim)
        box.addWidget(self.claim_button)
        self.status = label(role="small")
        box.addWidget(self.status)
        self.close_button = BigButton(role="primary")
        self.close_button.clicked.connect(self._close)
        box.addWidget(self.close_button)
        window.worker.job_done.connect(self._job_done)
        self._ids: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Clerk"))
        self.unfinished_title.setText(translate("kiosk", "Exchanges waiting for their Breka card"))
        self.reason.setPlaceholderText(translate("kiosk", "Reason for cancelling (required)"))
        self.cancel_button.setText(translate("kiosk", "Settle with the card on the reader"))
        self.lost_button.setText(translate("kiosk", "Card lost"))
        self.claim_button.setText(translate("kiosk", "Claim to the city…"))
        self.close_button.setText(translate("kiosk", "Close"))
        if self.main.parts is not None and self.isVisible():
            self.refresh()

    def open(self) -> None:
        self.status.setText("")
        self.reason.clear()
        self.refresh()

    def refresh(self) -> None:
        parts = self.main.parts
        if parts is None:
            return
        t = today_totals(parts.store)
        self.today.setText(
            translate("kiosk", "Today: {n} exchanges, {p} points used, fee {f}, loaded {l}").format(
                n=t["count"], p=points(t["points"]), f=points(t["fee"]), l=points(t["loaded"])
            )
        )
        s = parts.outbox.status()
        text = translate("kiosk", "Records to send: {u} of {t}").format(u=s.unsent, t=s.total)
        if s.parked or s.alarm:  # refused by the cloud: the city settles them by hand
            text += "\n" + translate("kiosk", "Refused by the cloud (parked): {n}; tell the technician").format(
                n=s.parked
            )
        self.outbox.setText(text)
        self.unfinished.clear()
        rows = parts.journal.waiting_for_card()
        self._ids = [r.exchange_id for r in rows]
        for r in rows:
            self.unfinished.addItem(
                translate("kiosk", "{id}: {p} points, waiting {m} min").format(
                    id=short_number(r.exchange_id), p=points(r.points), m=int(r.age_seconds() // 60)
                )
            )
        self.cancel_button.setEnabled(bool(rows))
        self.lost_button.setEnabled(bool(rows))
        found = alerts(parts.journal)
        self.alerts.setText("\n".join(_alert_text(a) for a in found))

    def _cancel_selected(self) -> None:
        i = self.unfinished.currentRow()
        reason = self.reason.text().strip()
        if i < 0 or not reason:
            self.status.setText(translate("kiosk", "Choose an exchange and write the reason."))
            return
        # Settled on the card worker: a load that waits for its card is decided by that card's
        # log (on the reader now), and the citizen's screen follows at once.
        self.main.worker.clerk_cancel(self._ids[i], reason, CLERK_NAME)

    def _card_lost(self) -> None:
        i = self.unfinished.currentRow()
        reason = self.reason.text().strip()
        if i < 0 or not reason:
            self.status.setText(translate("kiosk", "Choose an exchange and write the reason."))
            return
        exchange_id, finisher = self._ids[i], self.main.parts.finisher
        self.main.worker.call("clerk_lost", lambda _e: finisher.mark_card_lost(exchange_id, reason, CLERK_NAME))

    def _claim(self) -> None:
        self.main.local = "claim"
        self.main.pages["claim"].open()
        self.main.show_page("claim")

    def _job_done(self, what: str, result) -> None:
        if what == "clerk_cancel":
            if isinstance(result, CardNeeded):
                self.status.setText(translate("kiosk", "Put that exchange's Breka card on the reader first."))
            elif isinstance(result, LoadOutcomeUnprovable):
                self.status.setText(_UNPROVABLE())
            elif isinstance(result, Exception):
                self.status.setText(translate("kiosk", "Could not cancel: {e}").format(e=result))
            else:
                self.status.setText(
                    translate("kiosk", "The card had the points: the exchange is finished.")
                    if result == "committed"
                    else translate("kiosk", "Cancelled.")
                )
                self.reason.clear()
            self.refresh()
        elif what == "clerk_lost":
            self.status.setText(
                translate("kiosk", "Noted as lost. The exchange stays open until the card appears.")
                if not isinstance(result, Exception)
                else translate("kiosk", "Could not cancel: {e}").format(e=result)
            )
            self.refresh()

    def _close(self) -> None:
        self.main.close_staff()


def _UNPROVABLE() -> str:  # noqa: N802 - a text, looked up when shown
    return translate(
        "kiosk",
        "The card's log no longer reaches back to this load: ask the Breka operator whether it was "
        "loaded. The points stay held until then.",
    )


def _alert_text(alert: dict) -> str:
    number, loaded = short_number(str(alert.get("exchange_id", ""))), points(alert.get("loaded"))
    if alert.get("kind") == ALERT_LOAD_UNPROVABLE:
        return translate("kiosk", "Check: exchange {id} ({p} points) cannot be settled from its card").format(
            id=number, p=loaded
        )
    if alert.get("kind") == ALERT_COMMIT_REFUSED:
        return translate("kiosk", "Check: the cloud refused exchange {id} ({code}); {p} points are on the card").format(
            id=number, code=alert.get("code", ""), p=loaded
        )
    return translate("kiosk", "Check: {p} points were loaded for cancelled exchange {id}").format(p=loaded, id=number)
