"""The claim register: every claim to the city, issued, sent and paid (issue 16).

A claim covers whole JST months. Issuing a claim for a period that already has one
reissues it: same number, counted and dated as 再発行, amounts updated (a sent claim whose
amount changed is no longer marked sent) — unless it has been paid (a paid claim never
changes). A period that overlaps another claim's is
refused: the same month must never be claimed twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from kiosk.rules import JST

if TYPE_CHECKING:
    import sqlite3

    from kiosk.store import Store

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ClaimRegisterError(ValueError):
    """A claim that would be claimed twice, changed after payment, or is unknown."""


@dataclass(frozen=True)
class ClaimEntry:
    number: str
    first_month: str
    last_month: str
    amount: int
    fee: int
    loaded: int
    reconciled: bool
    issued_at: str
    reissued_at: str | None
    reissues: int
    sent_on: str | None
    paid_on: str | None

    @property
    def reissued(self) -> bool:
        return self.reissues > 0

    @property
    def status(self) -> str:
        return "paid" if self.paid_on else "sent" if self.sent_on else "issued"


def _entry(row: sqlite3.Row) -> ClaimEntry:
    return ClaimEntry(
        row["number"],
        row["first_month"],
        row["last_month"],
        row["amount"],
        row["fee"],
        row["loaded"],
        bool(row["reconciled"]),
        row["issued_at"],
        row["reissued_at"],
        row["reissues"],
        row["sent_on"],
        row["paid_on"],
    )


def entries(store: Store) -> list[ClaimEntry]:
    return [_entry(r) for r in store.query("SELECT * FROM claims ORDER BY first_month, number")]


def find(store: Store, number: str) -> ClaimEntry:
    rows = store.query("SELECT * FROM claims WHERE number = ?", (number,))
    if not rows:
        raise ClaimRegisterError(f"請求番号 {number} はありません / no claim numbered {number!r}")
    return _entry(rows[0])


def issue(
    store: Store,
    first: str,
    last: str,
    *,
    amount: int,
    fee: int,
    loaded: int,
    reconciled: bool,
    prefix: str,
    now: datetime | None = None,
) -> ClaimEntry:
    """Register a claim for first..last (YYYY-MM): a new number, or the same number reissued."""
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    with store.transaction() as tx:
        same = tx.execute("SELECT * FROM claims WHERE first_month = ? AND last_month = ?", (first, last)).fetchone()
        if same is not None:
            old = _entry(same)
            if old.paid_on and (old.amount, old.fee, old.loaded) != (amount, fee, loaded):
                raise ClaimRegisterError(
                    f"請求 {old.number} は支払済みで金額が変わっています（{old.amount:,} → {amount:,} 円）。"
                    f"再発行できません / claim {old.number} was paid; its amount cannot change"
                )
            changed = (old.amount, old.fee, old.loaded) != (amount, fee, loaded)
            tx.execute(
                "UPDATE claims SET amount = ?, fee = ?, loaded = ?, reconciled = ?, reissued_at = ?, "
                "reissues = reissues + 1, sent_on = ? WHERE number = ?",
                # a sent claim whose amount changed must be sent again: the city holds the old one
                (amount, fee, loaded, int(reconciled), at, None if changed else old.sent_on, old.number),
            )
            return _entry(tx.execute("SELECT * FROM claims WHERE number = ?", (old.number,)).fetchone())
        overlap = tx.execute(
            "SELECT number, first_month, last_month FROM claims WHERE first_month <= ? AND last_month >= ?",
            (last, first),
        ).fetchone()
        if overlap is not None:
            raise ClaimRegisterError(
                f"期間が請求 {overlap['number']}（{overlap['first_month']}〜{overlap['last_month']}）と重なります / "
                f"the period overlaps claim {overlap['number']}: a month is never claimed twice"
            )
        year = (now or datetime.now(UTC)).astimezone(JST).year
        series = f"{prefix}{year}-"
        taken = tx.execute("SELECT COUNT(*) FROM claims WHERE number LIKE ? ESCAPE '!'", (_like(series),)).fetchone()
        number = f"{series}{taken[0] + 1:04d}"
        tx.execute(
            "INSERT INTO claims(number, first_month, last_month, amount, fee, loaded, reconciled, issued_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (number, first, last, amount, fee, loaded, int(reconciled), at),
        )
        return _entry(tx.execute("SELECT * FROM claims WHERE number = ?", (number,)).fetchone())


def _like(series: str) -> str:
    return series.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def mark(store: Store, number: str, what: str, on: str | None = None) -> ClaimEntry:
    """Record that claim `number` was sent (`what` = "sent") or paid ("paid") on day `on`."""
    if what not in ("sent", "paid"):
        raise ValueError(f"mark a claim sent or paid, not {what!r}")
    day = on or datetime.now(JST).date().isoformat()
    if not DAY.match(day):
        raise ClaimRegisterError(f"日付は YYYY-MM-DD で指定してください / a day must be YYYY-MM-DD: {day!r}")
    try:
        date.fromisoformat(day)
    except ValueError as exc:
        raise ClaimRegisterError(f"日付が正しくありません / not a day: {day!r}") from exc
    entry = find(store, number)
    if what == "paid" and not entry.sent_on:
        raise ClaimRegisterError(f"請求 {number} はまだ送付されていません / claim {number} was not marked sent")
    if what == "sent" and not entry.reconciled:  # a claim made without the cloud is a draft
        raise ClaimRegisterError(
            f"請求 {number} は未照合です。クラウドと照合して再発行してから送付してください / "
            f"claim {number} is not reconciled: reissue it with the cloud reachable before sending it"
        )
    column = "sent_on" if what == "sent" else "paid_on"
    with store.transaction() as tx:
        tx.execute(f"UPDATE claims SET {column} = ? WHERE number = ?", (day, number))  # column: one of two names
    return find(store, number)
