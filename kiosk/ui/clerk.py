"""Clerk mode: today's totals, every unfinished exchange with its state and age (cancel or
settle with a reason, send now), today's exchanges (correct, reprint, closing slip:
kiosk/ui/clerk_today.py), the way to the claim screen (kiosk/ui/claim_page.py) and the outbox
status. Network work runs on the card worker; every action is audited naming the clerk signed
in (`window.clerk_id`; the finisher audits cancellations, make_claim the claims)."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QListWidget, QVBoxLayout

from kiosk.cardio.breka_load import LoadOutcomeUnprovable
from kiosk.exchange.finish import CardNeeded
from kiosk.exchange.recovery import ALERT_COMMIT_REFUSED, ALERT_LOAD_UNPROVABLE, ALERT_REVERSAL_UNPROVABLE, alerts
from kiosk.exchange.steps import Step
from kiosk.exchange.unprovable import is_parked_unprovable
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


def state_text(state: Step) -> str:
    """An unfinished exchange's state, said for the clerk."""
    texts = {
        Step.CREATED: translate("kiosk", "not sent yet"),
        Step.HOLD_REQUESTED: translate("kiosk", "hold being asked"),
        Step.HELD: translate("kiosk", "held, nothing loaded"),
        Step.LOAD_INTENT: translate("kiosk", "waiting for its Breka card"),
        Step.NOT_LOADED: translate("kiosk", "not loaded, hold to release"),
        Step.LOADED: translate("kiosk", "loaded, commit to send"),
        Step.COMMIT_REQUESTED: translate("kiosk", "loaded, waiting for the cloud"),
        Step.CANCEL_REQUESTED: translate("kiosk", "cancel waiting for the cloud"),
    }
    return texts.get(state, state.value)


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
        # The day's figures take two thirds of the row and read from the left: centred in half
        # the width they broke between a word and its number at 1024 x 768.
        self.today.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.outbox.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid = QGridLayout()
        grid.addWidget(self.today, 0, 0)
        grid.addWidget(self.outbox, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        box.addLayout(grid)
        self.unfinished_title = label(role="body")
        self.unfinished = QListWidget()
        self.reason = QLineEdit()
        self.cancel_button = BigButton(role="danger")
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.lost_button = BigButton(role="quiet")
        self.lost_button.clicked.connect(self._card_lost)
        self.retry_button = BigButton(role="quiet")
        self.retry_button.clicked.connect(self._send_now)
        self.alerts = label(role="small")
        self.alerts.setObjectName("alerts")
        box.addWidget(self.unfinished_title)
        box.addWidget(self.unfinished, 1)
        box.addWidget(self.alerts)
        box.addWidget(self.reason)  # a row of its own: the buttons beside it keep their words
        row = QHBoxLayout()
        row.addWidget(self.cancel_button, 2)
        row.addWidget(self.lost_button, 1)
        row.addWidget(self.retry_button, 1)
        box.addLayout(row)
        self.claim_button = BigButton(role="quiet")  # the claim to the city: kiosk/ui/claim_page.py
        self.claim_button.clicked.connect(self._claim)
        self.today_button = BigButton(role="quiet")  # today: corrections, reprints, closing slip (clerk_today.py)
        self.today_button.clicked.connect(self._today)
        more = QHBoxLayout()
        more.addWidget(self.today_button)
        more.addWidget(self.claim_button)
        box.addLayout(more)
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
        self.unfinished_title.setText(translate("kiosk", "Unfinished exchanges"))
        self.reason.setPlaceholderText(translate("kiosk", "Reason (required)"))
        self.cancel_button.setText(translate("kiosk", "Cancel / settle with the card"))
        self.lost_button.setText(translate("kiosk", "Card lost"))
        self.retry_button.setText(translate("kiosk", "Send now"))
        self.today_button.setText(translate("kiosk", "Today: corrections, reprints, closing slip…"))
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
        pending = self._pending()
        self._ids = [p.row.exchange_id for p in pending]
        found = alerts(parts.journal)
        unprovable = {a.get("exchange_id") for a in found if a.get("kind") == ALERT_LOAD_UNPROVABLE}
        for p in pending:
            r = p.row
            parked = r.needs_card and r.exchange_id in unprovable  # only the Breka operator can tell
            text = translate("kiosk", "{id}: {p} points, {state}, {m} min").format(
                id=short_number(r.exchange_id),
                p=points(r.points),
                state=translate("kiosk", "the card cannot tell: ask the Breka operator")
                if parked
                else state_text(r.state),
                m=int(r.age_seconds() // 60),
            )
            if p.failures:
                text += " " + translate("kiosk", "(cloud: {e}; next try in {s} s)").format(
                    e=r.last_error or "?", s=int(p.next_try_s)
                )
            self.unfinished.addItem(text)
        self.cancel_button.setEnabled(bool(pending))
        self.lost_button.setEnabled(any(p.row.needs_card for p in pending))
        self.retry_button.setEnabled(any(not p.row.needs_card for p in pending))
        lines = [_alert_text(a) for a in found] + [_waiting_text(r) for r in self._corrections_waiting()]
        if unprovable:  # how to settle them: not from this screen (no card can decide them)
            lines.append(_UNPROVABLE_HOW())
        self.alerts.setText("\n".join(lines))

    def _corrections_waiting(self) -> list:
        """Corrections torn at the card write that the card's log can still settle (an
        unprovable one has its alert instead): the citizen's Breka card settles them."""
        from kiosk.exchange.reversal import RStep

        reversals = self.main.reversals
        if reversals is None:
            return []
        return [
            r for r in reversals.unfinished() if r.state is RStep.CARD_INTENT and r.last_error != "card_log_too_short"
        ]

    def _pending(self):
        """Every unfinished exchange, with its retry schedule when the kiosk runs one."""
        from kiosk.exchange.follow_up import Pending

        retries = self.main.retries
        if retries is not None:
            return retries.pending()
        return [Pending(r, 0, -1.0 if r.needs_card else 0.0) for r in self.main.parts.journal.unfinished()]

    def _clerk(self) -> str:
        return self.main.clerk_id or CLERK_NAME

    def _send_now(self) -> None:
        retries = self.main.retries
        if retries is None:
            return
        self.status.setText(translate("kiosk", "Working…"))

        def run(engine):
            from kiosk.ui.app import serving

            return retries.run(skip=serving(engine), force=True)

        self.main.worker.call("clerk_retry", run)

    def _cancel_selected(self) -> None:
        i = self.unfinished.currentRow()
        reason = self.reason.text().strip()
        if i < 0 or not reason:
            self.status.setText(translate("kiosk", "Choose an exchange and write the reason."))
            return
        # Settled on the card worker: a load that waits for its card is decided by that card's
        # log (on the reader now), and the citizen's screen follows at once.
        self.main.worker.clerk_cancel(self._ids[i], reason, self._clerk())

    def _card_lost(self) -> None:
        i = self.unfinished.currentRow()
        reason = self.reason.text().strip()
        if i < 0 or not reason:
            self.status.setText(translate("kiosk", "Choose an exchange and write the reason."))
            return
        exchange_id, finisher, clerk = self._ids[i], self.main.parts.finisher, self._clerk()
        self.main.worker.call("clerk_lost", lambda _e: finisher.mark_card_lost(exchange_id, reason, clerk))

    def _today(self) -> None:
        self.main.local = "today"
        self.main.pages["today"].open()
        self.main.show_page("today")

    def _claim(self) -> None:
        self.main.local = "claim"
        self.main.pages["claim"].open()
        self.main.show_page("claim")

    def _job_done(self, what: str, result) -> None:
        if what == "clerk_cancel":
            if isinstance(result, CardNeeded) and not is_parked_unprovable(self.main.parts.journal, result.exchange_id):
                self.status.setText(translate("kiosk", "Put that exchange's Breka card on the reader first."))
            elif isinstance(result, (CardNeeded, LoadOutcomeUnprovable)):  # no card can decide it
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
        elif what == "clerk_retry":
            self.status.setText(
                translate("kiosk", "Sent: {c} finished, {f} still waiting for the cloud.").format(
                    c=len(result.committed) + len(result.cancelled), f=len(result.failed)
                )
                if not isinstance(result, Exception)
                else translate("kiosk", "Could not send: {e}").format(e=result)
            )
            self.refresh()
        elif what == "follow_up" and self.isVisible():
            self.refresh()

    def _close(self) -> None:
        self.main.close_staff()


def _UNPROVABLE() -> str:  # noqa: N802 - a text, looked up when shown
    return translate(
        "kiosk",
        "The card's log no longer reaches back to this load: ask the Breka operator whether it was "
        "loaded, then record the answer with `kiosk exchanges settle-unprovable`. The points stay held "
        "until then.",
    )


def _UNPROVABLE_HOW() -> str:  # noqa: N802 - a text, looked up when shown
    return translate(
        "kiosk",
        "To settle a load its card cannot prove: ask the Breka operator whether it was loaded, then "
        "record the answer with the command `kiosk exchanges settle-unprovable` (see the clerk guide).",
    )


def _waiting_text(rev) -> str:
    return translate(
        "kiosk",
        "The correction of exchange {id} ({p} Breka points) waits for its card: close this screen and tap "
        "the citizen's Breka card on the start screen.",
    ).format(id=short_number(rev.exchange_id), p=points(rev.unloaded))


def _alert_text(alert: dict) -> str:
    number, loaded = short_number(str(alert.get("exchange_id", ""))), points(alert.get("loaded"))
    if alert.get("kind") == ALERT_LOAD_UNPROVABLE:
        return translate("kiosk", "Check: exchange {id} ({p} points) cannot be settled from its card").format(
            id=number, p=loaded
        )
    if alert.get("kind") == ALERT_REVERSAL_UNPROVABLE:
        return translate(
            "kiosk", "Check: the correction of exchange {id} ({p} Breka points) cannot be settled from its card"
        ).format(id=number, p=points(alert.get("unloaded")))
    if alert.get("kind") == ALERT_COMMIT_REFUSED:
        return translate("kiosk", "Check: the cloud refused exchange {id} ({code}); {p} points are on the card").format(
            id=number, code=alert.get("code", ""), p=loaded
        )
    return translate("kiosk", "Check: {p} points were loaded for cancelled exchange {id}").format(p=loaded, id=number)
