"""Monthly figures (report Tables 1 and 2): issued, used and expired per JST month.

Issued counts lots by issue time (reserved points assigned at the counter count as an
issue); used counts committed exchanges by commit time, less those reversed (a correction is
made the same JST day, so the exchange and its reversal always fall in one month and net to
nothing); expired counts lots that lapsed
with points left, in the month of the instant they lapsed, once the clock has passed it.
"""

from __future__ import annotations

import re
import sqlite3

from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import clock
from kiosk_demo.cloud.db import to_us
from kiosk_demo.cloud.errors import ApiError
from kiosk_demo.cloud.timefmt import month_of, month_start_us, next_month

MONTH = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")
MAX_MONTHS = 240


def _figures(rows: list[tuple[str, int, str]]) -> dict:
    return {
        "count": len(rows),
        "points": sum(points for _, points, _ in rows),
        "holders": len({holder for _, _, holder in rows}),
    }


def monthly(
    conn: sqlite3.Connection,
    from_month: str,
    to_month: str,
    event_id: str | None,
    terminal_id: str | None = None,
    *,
    caller: str | None = None,
) -> tuple[int, dict]:
    """`terminal_id`: `used` counts that terminal's exchanges only (a terminal may ask for its
    own figures only). Issued and expired belong to the holders, not to a terminal: they stay
    the event's."""
    if terminal_id is not None and caller is not None and terminal_id != caller:
        raise ApiError(Code.TERMINAL_MISMATCH, "a terminal may ask for its own figures only")
    if not MONTH.match(from_month) or not MONTH.match(to_month) or to_month < from_month:
        raise ApiError(Code.INVALID_REQUEST, "from and to must be YYYY-MM with from <= to")
    months = [from_month]
    while months[-1] != to_month:
        months.append(next_month(months[-1]))
        if len(months) > MAX_MONTHS:
            raise ApiError(Code.INVALID_REQUEST, f"at most {MAX_MONTHS} months per report")
    lo, hi = month_start_us(from_month), month_start_us(next_month(to_month))
    now_us = to_us(clock.now(conn))
    where, args = ("", ()) if event_id is None else (" AND event_id = ?", (event_id,))
    issued = [
        (month_of(r[0]), r[1], r[2])
        for r in conn.execute(
            "SELECT issued_at, points_issued, mykey_id FROM lots WHERE issued_at >= ? AND issued_at < ?" + where,
            (lo, hi) + args,
        )
    ]
    by_terminal, terminal_args = ("", ()) if terminal_id is None else (" AND terminal_id = ?", (terminal_id,))
    used = [
        (month_of(r[0]), r[1], r[2])
        for r in conn.execute(
            "SELECT finished_at, points, mykey_id FROM exchanges WHERE state = 'committed' "
            "AND finished_at >= ? AND finished_at < ? "
            "AND exchange_id NOT IN (SELECT exchange_id FROM reversals)" + where + by_terminal,
            (lo, hi) + args + terminal_args,
        )
    ]
    expired = [
        (month_of(r[0]), r[1], r[2])
        for r in conn.execute(
            "SELECT expires_at, remaining, mykey_id FROM lots WHERE remaining > 0 AND expires_at <= ? "
            "AND expires_at >= ? AND expires_at < ?" + where,
            (now_us, lo, hi) + args,
        )
    ]
    rows = []
    for month in months:
        rows.append(
            {
                "month": month,
                **{
                    name: _figures([r for r in data if r[0] == month])
                    for name, data in (("issued", issued), ("used", used), ("expired", expired))
                },
            }
        )
    totals = {
        "month": f"{from_month}..{to_month}",
        "issued": _figures(issued),
        "used": _figures(used),
        "expired": _figures(expired),
    }
    return 200, {"event_id": event_id, "terminal_id": terminal_id, "months": rows, "totals": totals}
