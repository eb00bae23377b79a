"""The clerk's claim screen: choose whole months, make the claim (PDF and CSV into the claim
folder), open or print it, and keep the register (sent, paid). The claim is made on the
card worker (it asks the cloud); a cloud that does not answer gives a claim marked 未照合."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QListWidget, QVBoxLayout

from kiosk.rules import JST
from kiosk.store import audit
from kiosk.store.claims import entries, mark
from kiosk.sync.report import MAX_MONTHS, months_between
from kiosk.ui.staff_pages import CLERK_NAME
from kiosk.ui.texts import points
from kiosk.ui.widgets import BigButton, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate
MONTHS_BACK = 36  # the period choice reaches this far back from the current month


def month_choices(now: datetime | None = None, back: int = MONTHS_BACK, earliest: str | None = None) -> list[str]:
    """Whole months from `back` months ago (or the `earliest` record's month, if before) to the
    current one (JST), newest first, at most MAX_MONTHS."""
    now = now or datetime.now(UTC)
    local = now.astimezone(JST)
    index = local.year * 12 + local.month - 1 - back
    first = f"{index // 12:04d}-{index % 12 + 1:02d}"
    if earliest is not None and earliest < first:
        first = earliest
    months = months_between(first, local.strftime("%Y-%m")) if first <= local.strftime("%Y-%m") else []
    return list(reversed(months or [local.strftime("%Y-%m")]))[:MAX_MONTHS]


def earliest_record_month(store) -> str | None:
    """The JST month of the kiosk's first settlement record (a replayed or old event's months
    must be choosable too), or None."""
    from kiosk.sync.report import jst_month

    row = store.query("SELECT MIN(json_extract(record, '$.occurred_at')) AS first FROM outbox")
    try:
        return jst_month(row[0]["first"]) if row and row[0]["first"] else None
    except (ValueError, TypeError):
        return None


class ClaimPage(Page):
    name = "claim"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window
        self.opener = QDesktopServices.openUrl  # replaced in tests: opening a file starts a viewer
        self.last_pdf: Path | None = None
        box = QVBoxLayout(self)
        self.title = label(role="title")
        box.addWidget(self.title)
        period = QHBoxLayout()
        self.from_label, self.to_label = label(role="body"), label(role="body")
        self.first, self.last = QComboBox(), QComboBox()
        for widget in (self.from_label, self.first, self.to_label, self.last):
            period.addWidget(widget)
        box.addLayout(period)
        actions = QHBoxLayout()
        self.make_button = BigButton(role="primary")
        self.make_button.clicked.connect(self._make)
        self.open_button = BigButton(role="quiet")
        self.open_button.clicked.connect(self._open_pdf)
        self.folder_button = BigButton(role="quiet")
        self.folder_button.clicked.connect(self._open_folder)
        self.print_button = BigButton(role="quiet")
        self.print_button.clicked.connect(self._print)
        for b in (self.make_button, self.open_button, self.folder_button, self.print_button):
            actions.addWidget(b)
        box.addLayout(actions)
        self.register_title = label(role="body")
        self.register = QListWidget()
        box.addWidget(self.register_title)
        box.addWidget(self.register, 1)
        marks = QHBoxLayout()
        self.sent_button = BigButton(role="quiet")
        self.sent_button.clicked.connect(lambda: self._mark("sent"))
        self.paid_button = BigButton(role="quiet")
        self.paid_button.clicked.connect(lambda: self._mark("paid"))
        marks.addWidget(self.sent_button)
        marks.addWidget(self.paid_button)
        box.addLayout(marks)
        self.status = label(role="small")
        box.addWidget(self.status)
        self.back_button = BigButton(role="primary")
        self.back_button.clicked.connect(self._back)
        box.addWidget(self.back_button)
        window.worker.job_done.connect(self._job_done)
        self._numbers: list[str] = []
        self.retranslate()

    # -- what the page needs from the kiosk ----------------------------------------------
    def _cfg(self):
        return getattr(self.main, "cfg", None)

    def _folder(self) -> Path:
        from kiosk.config import data_dir

        cfg = self._cfg()
        return cfg.claim_folder if cfg is not None else data_dir() / "claims"

    def _printer(self) -> str:
        cfg = self._cfg()
        return cfg.get("claim", "printer") if cfg is not None else ""

    def retranslate(self) -> None:
        self.title.setText(translate("kiosk", "Claim to the city"))
        self.from_label.setText(translate("kiosk", "From"))
        self.to_label.setText(translate("kiosk", "To"))
        self.make_button.setText(translate("kiosk", "Make the claim (PDF and CSV)"))
        self.open_button.setText(translate("kiosk", "Open"))
        self.folder_button.setText(translate("kiosk", "Open folder"))
        self.print_button.setText(translate("kiosk", "Print"))
        self.register_title.setText(translate("kiosk", "Claims issued"))
        self.sent_button.setText(translate("kiosk", "Mark sent"))
        self.paid_button.setText(translate("kiosk", "Mark paid"))
        self.back_button.setText(translate("kiosk", "Back to the clerk screen"))
        if self.main.parts is not None and self.isVisible():
            self.refresh()

    def open(self) -> None:
        parts = self.main.parts
        choices = month_choices(earliest=earliest_record_month(parts.store) if parts is not None else None)
        for combo in (self.first, self.last):
            combo.clear()
            combo.addItems(choices)
        previous = choices[1] if len(choices) > 1 else choices[0]  # the month just closed
        self.first.setCurrentText(previous)
        self.last.setCurrentText(previous)
        self.status.setText("")
        # room for three lines (number and folder, reissue, reconciliation): a wrapped label
        # in a layout with a stretching list is otherwise squeezed to one
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3 + 4)
        self.open_button.setEnabled(self.last_pdf is not None)
        self.print_button.setEnabled(self.last_pdf is not None and bool(self._printer()))
        self.refresh()

    def refresh(self) -> None:
        parts = self.main.parts
        if parts is None:
            return
        self.register.clear()
        rows = entries(parts.store)
        self._numbers = [e.number for e in rows]
        state = self._states()
        for e in rows:
            text = translate("kiosk", "{number}: {first} to {last}, {yen} yen, {state}").format(
                number=e.number, first=e.first_month, last=e.last_month, yen=points(e.amount), state=state[e.status]
            )
            if e.reissued:
                text += " " + translate("kiosk", "(reissued)")
            if not e.reconciled:
                text += " " + translate("kiosk", "(not yet reconciled)")
            self.register.addItem(text)

    @staticmethod
    def _states() -> dict[str, str]:
        return {
            "issued": translate("kiosk", "issued"),
            "sent": translate("kiosk", "sent"),
            "paid": translate("kiosk", "paid"),
        }

    # -- actions ---------------------------------------------------------------------------
    def _make(self) -> None:
        from kiosk.sync.claim import make_claim

        first, last = sorted((self.first.currentText(), self.last.currentText()))
        parts, cfg, folder = self.main.parts, self._cfg(), self._folder()
        section = cfg.section("claim") if cfg is not None else {}
        terminal_id = cfg.get("cloud", "terminal_id") if cfg is not None else parts.outbox.terminal_id
        event_id = parts.engine.event_id
        cloud = getattr(parts, "cloud", None)
        clerk = self.main.clerk_id or CLERK_NAME  # the clerk signed in, by staff id
        self.status.setText(translate("kiosk", "Working…"))
        self.main.worker.call(
            "claim_make",
            lambda _e: make_claim(
                parts.store,
                cloud,
                section,
                first,
                last,
                folder=folder,
                event_id=event_id,
                terminal_id=terminal_id,
                clerk=clerk,
            ),
        )

    def _open_pdf(self) -> None:
        if self.last_pdf is not None:
            self.opener(QUrl.fromLocalFile(str(self.last_pdf)))

    def _open_folder(self) -> None:
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.opener(QUrl.fromLocalFile(str(folder)))

    def _print(self) -> None:
        from kiosk.sync.claim_print import print_pdf

        if self.last_pdf is None:
            return
        path, printer = self.last_pdf, self._printer()
        self.status.setText(translate("kiosk", "Working…"))
        self.main.worker.call("claim_print", lambda _e: print_pdf(path, printer))

    def _mark(self, what: str) -> None:
        from kiosk.store.claims import ClaimRegisterError

        i = self.register.currentRow()
        if i < 0:
            self.status.setText(translate("kiosk", "Choose a claim first."))
            return
        store = self.main.parts.store
        try:
            entry = mark(store, self._numbers[i], what)
        except ClaimRegisterError as exc:
            self.status.setText(str(exc))
            return
        audit.append(
            store, "clerk", f"claim_{what}", {"clerk": self.main.clerk_id or CLERK_NAME, "number": entry.number}
        )
        self.status.setText(
            translate("kiosk", "Claim {number}: {state}.").format(number=entry.number, state=self._states()[what])
        )
        self.refresh()

    def _job_done(self, what: str, result) -> None:
        if what == "claim_make":
            if isinstance(result, Exception):
                self.status.setText(translate("kiosk", "Could not make the claim: {e}").format(e=result))
                return
            self.last_pdf = result.paths.get("pdf")
            text = translate("kiosk", "Claim {number}: {yen} yen. Saved in {folder}").format(
                number=result.entry.number, yen=points(result.amount), folder=self._folder()
            )
            if result.entry.reissued:
                text += "\n" + translate("kiosk", "Reissued with the same number.")
            if not result.report.reconciled:
                text += "\n" + translate(
                    "kiosk", "Not yet reconciled: the cloud did not answer. Make it again before sending."
                )
            elif result.report.mismatches:
                text += "\n" + translate("kiosk", "Some months differ from the cloud: check before sending.")
            self.status.setText(text)
            self.open_button.setEnabled(self.last_pdf is not None)
            self.print_button.setEnabled(self.last_pdf is not None and bool(self._printer()))
            self.refresh()
        elif what == "claim_print":
            self.status.setText(
                translate("kiosk", "Sent to the printer.")
                if not isinstance(result, Exception)
                else translate("kiosk", "Could not print: {e}").format(e=result)
            )

    def _back(self) -> None:
        self.main.local = "clerk"
        self.main.pages["clerk"].open()
        self.main.show_page("clerk")
