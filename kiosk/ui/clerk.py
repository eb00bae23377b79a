"""Clerk mode: today's totals, unfinished exchanges (cancel with a reason), the monthly claim
export and the outbox status. Network work runs on the card worker; every action is
audited (the finisher audits cancellations; exports are audited here)."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QListWidget, QVBoxLayout

from kiosk.exchange.finish import CardNeeded
from kiosk.exchange.recovery import ALERT_COMMIT_REFUSED, alerts
from kiosk.exchange.view import short_number
from kiosk.rules import JST
from kiosk.store import audit
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


def export_claim(parts, event_id: str, month: str, fmt: str, folder: Path) -> Path:
    """The monthly claim for `month` as csv/json/pdf in `folder` (runs on the card worker)."""
    from kiosk.sync import report

    rep = report.collect(
        parts.cloud,
        report.local_records(parts.store, month, month),
        month,
        month,
        event_id=event_id,
        terminal_id=parts.outbox.terminal_id if hasattr(parts.outbox, "terminal_id") else "",
    )
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"claim-{month}.{fmt}"
    if fmt == "pdf":
        from kiosk.sync.report_pdf import render

        render(rep, out)
    else:
        out.write_text(report.to_csv(rep) if fmt == "csv" else report.to_json(rep), encoding="utf-8")
    audit.append(parts.store, "clerk", "export_claim", {"clerk": CLERK_NAME, "month": month, "format": fmt})
    return out


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
        row = QHBoxLayout()
        row.addWidget(self.reason, 2)
        row.addWidget(self.cancel_button, 1)
        row.addWidget(self.lost_button, 1)
        box.addLayout(row)
        claim = QHBoxLayout()
        self.claim_buttons = {}
        for fmt in ("pdf", "csv", "json"):
            b = BigButton(role="quiet")
            b.clicked.connect(lambda _=False, f=fmt: self._export(f))
            claim.addWidget(b)
            self.claim_buttons[fmt] = b
        box.addLayout(claim)
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
        for fmt, b in self.claim_buttons.items():
            b.setText(translate("kiosk", "Monthly claim ({fmt})").format(fmt=fmt.upper()))
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
        self.alerts.setText("\n".join(_alert_text(a) for a in alerts(parts.journal)))

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

    def _export(self, fmt: str) -> None:
        from kiosk.config import data_dir

        parts = self.main.parts
        event_id = parts.engine.event_id
        month = datetime.now(JST).strftime("%Y-%m")
        folder = data_dir() / "claims"
        self.status.setText(translate("kiosk", "Working…"))
        self.main.worker.call("clerk_export", lambda _e: export_claim(parts, event_id, month, fmt, folder))

    def _job_done(self, what: str, result) -> None:
        if what == "clerk_cancel":
            if isinstance(result, CardNeeded):
                self.status.setText(translate("kiosk", "Put that exchange's Breka card on the reader first."))
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
        elif what == "clerk_export":
            self.status.setText(
                translate("kiosk", "Saved: {path}").format(path=result)
                if not isinstance(result, Exception)
                else translate("kiosk", "Could not export: {e}").format(e=result)
            )

    def _close(self) -> None:
        self.main.close_staff()


def _alert_text(alert: dict) -> str:
    number, loaded = short_number(str(alert.get("exchange_id", ""))), points(alert.get("loaded"))
    if alert.get("kind") == ALERT_COMMIT_REFUSED:
        return translate("kiosk", "Check: the cloud refused exchange {id} ({code}); {p} points are on the card").format(
            id=number, code=alert.get("code", ""), p=loaded
        )
    return translate("kiosk", "Check: {p} points were loaded for cancelled exchange {id}").format(p=loaded, id=number)
