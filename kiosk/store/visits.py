"""Anonymous visit statistics: how many visits ended how, per JST month (issue 16).

The city judged the experiment by how many people came and why they could not exchange.
Only a counter per (month, outcome) is kept — no MyKey ID, card ref, exchange id or time
finer than the month, and no row per visit (the counter is updated in place), so the
table cannot be joined back to the exchanges or the audit log to tell who came when.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kiosk.rules import JST

if TYPE_CHECKING:
    from kiosk.store import Store

# How a visit ended. A new flow (say, MyKey ID set-up) adds its outcome here and calls
# record_visit; the monthly report shows every outcome in this order.
OUTCOMES = (
    "completed",  # points exchanged
    "no_mykey_id",  # the card has no MyKey ID yet
    "pin_locked",  # the PIN is (or became) locked
    "no_usable_points",  # nothing to exchange
    "reserved_only",  # only reserved points, not moved to the experiment yet
    "cancelled_by_citizen",  # the citizen stopped
    "cloud_down",  # the point cloud could not be reached
    "card_trouble",  # a card could not be read or written
    "timed_out",  # left without finishing
    "mykey_created",  # a MyKey ID set up at the counter (a set-up: the visit also ends as above)
    "mykey_declined",  # no MyKey ID, and the citizen did not want one set up
)
LABELS_JA = {
    "completed": "交換完了",
    "no_mykey_id": "マイキーIDなし",
    "pin_locked": "暗証番号ロック",
    "no_usable_points": "使えるポイントなし",
    "reserved_only": "留保ポイントのみ",
    "cancelled_by_citizen": "本人が中止",
    "cloud_down": "クラウド接続不可",
    "card_trouble": "カードの不具合",
    "timed_out": "時間切れ",
    "mykey_created": "マイキーID設定",
    "mykey_declined": "マイキーID設定せず",
}


def record_visit(store: Store, outcome: str, when: datetime | None = None) -> None:
    """Count one visit that ended with `outcome` in the JST month of `when` (default now)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown visit outcome {outcome!r}; add it to kiosk.store.visits.OUTCOMES")
    month = (when or datetime.now(UTC)).astimezone(JST).strftime("%Y-%m")
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO visits(month, outcome, count) VALUES (?, ?, 1) "
            "ON CONFLICT(month, outcome) DO UPDATE SET count = count + 1",
            (month, outcome),
        )


def monthly(store: Store, first: str, last: str) -> dict[str, dict[str, int]]:
    """{month: {outcome: count}} for the months from `first` to `last` (YYYY-MM, inclusive)."""
    out: dict[str, dict[str, int]] = {}
    for row in store.query("SELECT month, outcome, count FROM visits WHERE month >= ? AND month <= ?", (first, last)):
        out.setdefault(row["month"], {})[row["outcome"]] = int(row["count"])
    return out
