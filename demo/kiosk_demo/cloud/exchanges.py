"""The ledger seen by a terminal: balance, reserved-point assignment, hold/commit/cancel.

Allocation, validity and the fee come from kiosk.rules (one source of truth). A hold
moves points out of their lots into the exchange; a lot that expires while held keeps
those points for the exchange (it began while they were valid); a cancel puts them
back, where an expired lot lets them lapse.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import timedelta

from kiosk.rules import Lot, ValidityRule, allocate, quote, usable_points
from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import clock
from kiosk_demo.cloud.auth import Terminal
from kiosk_demo.cloud.db import from_us, to_us
from kiosk_demo.cloud.errors import ApiError
from kiosk_demo.cloud.timefmt import iso

MAX_POINTS = 2**31 - 1
Result = tuple[int, dict]


def check_amount(points: int) -> None:
    if not 1 <= points <= MAX_POINTS:
        raise ApiError(Code.INVALID_AMOUNT, f"points must be a whole number from 1 to {MAX_POINTS}")


def event_row(conn: sqlite3.Connection, event_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM events WHERE event_id = ?", (event_id,)).fetchone()
    if row is None:
        raise ApiError(Code.UNKNOWN_EVENT, f"no event {event_id!r}")
    return row


def serves(terminal: Terminal, event_id: str) -> bool:
    return not terminal.events or event_id in terminal.events  # no list = every event


def _lots(conn: sqlite3.Connection, mykey_id: str, event_id: str | None = None) -> list[sqlite3.Row]:
    sql = "SELECT * FROM lots WHERE mykey_id = ? AND remaining > 0"
    args: tuple = (mykey_id,)
    if event_id is not None:
        sql, args = sql + " AND event_id = ?", args + (event_id,)
    return conn.execute(sql, args).fetchall()


def _as_rule_lots(rows: list[sqlite3.Row]) -> list[Lot]:
    return [Lot(r["lot_id"], r["remaining"], from_us(r["issued_at"]), from_us(r["expires_at"])) for r in rows]


def lot_json(row: sqlite3.Row, points: int | None = None) -> dict:
    return {
        "lot_id": row["lot_id"],
        "event_id": row["event_id"],
        "points": row["remaining"] if points is None else points,
        "issued_at": iso(row["issued_at"]),
        "expires_at": iso(row["expires_at"]),
    }


def balance(conn: sqlite3.Connection, terminal: Terminal, mykey_id: str) -> Result:
    now = clock.now(conn)
    rows = [r for r in _lots(conn, mykey_id) if r["expires_at"] > to_us(now)]
    rows.sort(key=lambda r: (r["expires_at"], r["issued_at"], r["lot_id"]))
    served = [r for r in rows if serves(terminal, r["event_id"])]
    reserved = conn.execute(
        "SELECT remaining, expires_at FROM reserved WHERE mykey_id = ? AND remaining > 0 "
        "AND expires_at > ? ORDER BY expires_at",
        (mykey_id, to_us(now)),
    ).fetchall()
    return 200, {
        "mykey_id": mykey_id,
        "as_of": iso(now),
        "reserved": [{"points": r["remaining"], "expires_at": iso(r["expires_at"])} for r in reserved],
        "lots": [lot_json(r) for r in rows],
        "usable": usable_points(_as_rule_lots(served), now),
    }


def issue_lot(
    conn: sqlite3.Connection, rule: ValidityRule, mykey_id: str, event_id: str, points: int, at, source: str
) -> sqlite3.Row:
    """A new experiment-point lot; the event must be issuing at `at`."""
    check_amount(points)
    event = event_row(conn, event_id)
    if not event["issue_from"] <= to_us(at) < event["issue_until"]:
        raise ApiError(Code.EVENT_CLOSED, f"event {event_id!r} is not issuing points at {iso(at)}")
    if conn.execute("SELECT 1 FROM holders WHERE mykey_id = ?", (mykey_id,)).fetchone() is None:
        raise ApiError(Code.UNKNOWN_HOLDER, "no such MyKey ID")
    lot_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO lots (lot_id, mykey_id, event_id, points_issued, remaining, issued_at, expires_at, "
        "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (lot_id, mykey_id, event_id, points, points, to_us(at), to_us(rule.expires_at(at)), source),
    )
    return conn.execute("SELECT * FROM lots WHERE lot_id = ?", (lot_id,)).fetchone()


RESERVED_DAYS = 14  # rules.md: reserved points are valid 14 days


def add_reserved(conn: sqlite3.Connection, mykey_id: str, points: int, at) -> Result:
    check_amount(points)
    if conn.execute("SELECT 1 FROM holders WHERE mykey_id = ?", (mykey_id,)).fetchone() is None:
        raise ApiError(Code.UNKNOWN_HOLDER, "no such MyKey ID")
    rid, expires = str(uuid.uuid4()), at + timedelta(days=RESERVED_DAYS)
    conn.execute(
        "INSERT INTO reserved (reserved_id, mykey_id, points, remaining, received_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (rid, mykey_id, points, points, to_us(at), to_us(expires)),
    )
    return 201, {"reserved_id": rid, "points": points, "expires_at": iso(expires)}


def assign_reserved(
    conn: sqlite3.Connection, terminal: Terminal, rule: ValidityRule, mykey_id: str, event_id: str, points: int
) -> Result:
    """Move reserved points (earliest-expiring first) into a new lot of an issuing event."""
    check_amount(points)
    now = clock.now(conn)
    event_row(conn, event_id)
    if not serves(terminal, event_id):
        raise ApiError(Code.EVENT_NOT_SERVED, f"this terminal does not serve {event_id!r}")
    rows = conn.execute("SELECT * FROM reserved WHERE mykey_id = ? AND remaining > 0", (mykey_id,)).fetchall()
    pool = [Lot(r["reserved_id"], r["remaining"], from_us(r["received_at"]), from_us(r["expires_at"])) for r in rows]
    if usable_points(pool, now) < points:
        raise ApiError(Code.INSUFFICIENT_POINTS, "not enough reserved points")
    lot = issue_lot(conn, rule, mykey_id, event_id, points, now, "assign")
    for rid, part in allocate(pool, points, now):
        conn.execute("UPDATE reserved SET remaining = remaining - ? WHERE reserved_id = ?", (part, rid))
    left = usable_points(pool, now) - points
    return 201, {"lot": lot_json(lot), "reserved_left": left}


def hold(
    conn: sqlite3.Connection, terminal: Terminal, mykey_id: str, exchange_id: str, event_id: str, points: int
) -> Result:
    check_amount(points)
    now = clock.now(conn)
    event = event_row(conn, event_id)
    if not serves(terminal, event_id):
        raise ApiError(Code.EVENT_NOT_SERVED, f"this terminal does not serve {event_id!r}")
    if event["exchange_until"] is not None and to_us(now) >= event["exchange_until"]:
        raise ApiError(Code.EVENT_CLOSED, f"exchanges for {event_id!r} have ended")
    if conn.execute("SELECT 1 FROM exchanges WHERE exchange_id = ?", (exchange_id,)).fetchone():
        raise ApiError(Code.INVALID_REQUEST, "exchange_id is already in use")
    lots = _as_rule_lots(_lots(conn, mykey_id, event_id))
    if usable_points(lots, now) < points:
        raise ApiError(Code.INSUFFICIENT_POINTS, f"usable points {usable_points(lots, now)} do not cover {points}")
    conn.execute(
        "INSERT INTO exchanges (exchange_id, terminal_id, mykey_id, event_id, points, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, 'held', ?)",
        (exchange_id, terminal.terminal_id, mykey_id, event_id, points, to_us(now)),
    )
    for lot_id, part in allocate(lots, points, now):
        conn.execute("UPDATE lots SET remaining = remaining - ? WHERE lot_id = ?", (part, lot_id))
        conn.execute("INSERT INTO holds (exchange_id, lot_id, points) VALUES (?, ?, ?)", (exchange_id, lot_id, part))
    return 201, exchange_json(conn, exchange_id)


def _own(conn: sqlite3.Connection, terminal: Terminal, exchange_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM exchanges WHERE exchange_id = ? AND terminal_id = ?", (exchange_id, terminal.terminal_id)
    ).fetchone()
    if row is None:
        raise ApiError(Code.EXCHANGE_NOT_FOUND, "no such exchange for this terminal")
    return row


def commit(conn: sqlite3.Connection, terminal: Terminal, exchange_id: str, breka: dict) -> Result:
    row = _own(conn, terminal, exchange_id)
    q = quote(row["points"])
    if breka["fee"] != q.fee or breka["loaded"] != q.loaded:
        raise ApiError(Code.AMOUNT_MISMATCH, f"{row['points']} points give fee {q.fee} and loaded {q.loaded}")
    if not 0 <= breka["balance_after"] <= MAX_POINTS:
        raise ApiError(Code.INVALID_REQUEST, "balance_after is out of range")
    if row["state"] == "cancelled":
        raise ApiError(Code.ALREADY_CANCELLED, "the exchange was cancelled")
    if row["state"] == "committed":
        if json.loads(row["breka"]) != breka:
            raise ApiError(Code.ALREADY_COMMITTED, "already committed with another card load")
        return 200, {"exchange_id": exchange_id, "state": "committed"}
    conn.execute(
        "UPDATE exchanges SET state = 'committed', finished_at = ?, breka = ? WHERE exchange_id = ?",
        (to_us(clock.now(conn)), json.dumps(breka, sort_keys=True), exchange_id),
    )
    return 200, {"exchange_id": exchange_id, "state": "committed"}


def cancel(conn: sqlite3.Connection, terminal: Terminal, exchange_id: str, reason: str) -> Result:
    row = _own(conn, terminal, exchange_id)
    if row["state"] == "committed":
        raise ApiError(Code.ALREADY_COMMITTED, "a committed exchange cannot be cancelled")
    if row["state"] == "held":
        for part in conn.execute("SELECT lot_id, points FROM holds WHERE exchange_id = ?", (exchange_id,)).fetchall():
            conn.execute("UPDATE lots SET remaining = remaining + ? WHERE lot_id = ?", (part["points"], part["lot_id"]))
        conn.execute(
            "UPDATE exchanges SET state = 'cancelled', finished_at = ?, cancel_reason = ? WHERE exchange_id = ?",
            (to_us(clock.now(conn)), reason, exchange_id),
        )
    return 200, {"exchange_id": exchange_id, "state": "cancelled"}


def reverse(
    conn: sqlite3.Connection, terminal: Terminal, exchange_id: str, body: dict, holder_mykey: str | None
) -> Result:
    """A correction the same (JST) day: the Breka card gave the loaded points back, so the
    holder gets the points used back into the lots they came from. Idempotent under the
    reversal id; a holder token, when sent, must be the exchange's holder."""
    row = _own(conn, terminal, exchange_id)
    breka, reversal_id = body["breka"], str(body["reversal_id"])
    if row["state"] != "committed":
        raise ApiError(Code.REVERSAL_NOT_ALLOWED, f"the exchange is {row['state']}, not committed")
    done = conn.execute("SELECT * FROM reversals WHERE exchange_id = ?", (exchange_id,)).fetchone()
    if done is not None:
        if done["reversal_id"] != reversal_id or json.loads(done["breka"]) != breka:
            raise ApiError(Code.REVERSAL_NOT_ALLOWED, "the exchange was reversed already, by another reversal")
        return 200, _reversed(exchange_id, reversal_id, row["points"])
    loaded = json.loads(row["breka"])
    if holder_mykey is not None and holder_mykey != row["mykey_id"]:
        raise ApiError(Code.REVERSAL_NOT_ALLOWED, "the holder is not the exchange's holder")
    if breka["card_ref"] != loaded["card_ref"] or breka["unloaded"] != loaded["loaded"]:
        raise ApiError(Code.AMOUNT_MISMATCH, "the card or the points taken back are not the exchange's")
    if not 0 <= breka["balance_after"] <= MAX_POINTS:
        raise ApiError(Code.INVALID_REQUEST, "balance_after is out of range")
    now = clock.now(conn)
    if _jst_day(from_us(row["finished_at"])) != _jst_day(now):
        raise ApiError(Code.REVERSAL_NOT_ALLOWED, "an exchange is reversed only on the day it was made")
    for part in conn.execute("SELECT lot_id, points FROM holds WHERE exchange_id = ?", (exchange_id,)).fetchall():
        conn.execute("UPDATE lots SET remaining = remaining + ? WHERE lot_id = ?", (part["points"], part["lot_id"]))
    conn.execute(
        "INSERT INTO reversals (reversal_id, exchange_id, terminal_id, breka, reason, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (reversal_id, exchange_id, terminal.terminal_id, json.dumps(breka, sort_keys=True), body["reason"], to_us(now)),
    )
    return 200, _reversed(exchange_id, reversal_id, row["points"])


def _reversed(exchange_id: str, reversal_id: str, points: int) -> dict:
    return {"exchange_id": exchange_id, "state": "reversed", "reversal_id": reversal_id, "points_returned": points}


def _jst_day(at):
    from kiosk.rules import JST

    return at.astimezone(JST).date()


def exchange_json(conn: sqlite3.Connection, exchange_id: str) -> dict:
    row = conn.execute("SELECT * FROM exchanges WHERE exchange_id = ?", (exchange_id,)).fetchone()
    parts = conn.execute(
        "SELECT h.lot_id, h.points FROM holds h JOIN lots l USING (lot_id) WHERE h.exchange_id = ? "
        "ORDER BY l.expires_at, l.issued_at, l.lot_id",
        (exchange_id,),
    ).fetchall()
    return {
        "exchange_id": row["exchange_id"],
        "state": row["state"],
        "event_id": row["event_id"],
        "points": row["points"],
        "mykey_id": row["mykey_id"],
        "lots": [{"lot_id": p["lot_id"], "points": p["points"]} for p in parts],
        "created_at": iso(row["created_at"]),
        "finished_at": iso(row["finished_at"]),
        "breka": json.loads(row["breka"]) if row["breka"] else None,
        "cancel_reason": row["cancel_reason"],
    }


def get(conn: sqlite3.Connection, terminal: Terminal, exchange_id: str) -> Result:
    return 200, exchange_json(conn, _own(conn, terminal, exchange_id)["exchange_id"])


def open_holds(conn: sqlite3.Connection, terminal: Terminal, older_than_s: int) -> Result:
    """This terminal's holds older than `older_than_s` seconds, oldest first (for the clerk)."""
    cutoff = to_us(clock.now(conn) - timedelta(seconds=max(0, min(older_than_s, 10**9))))
    ids = conn.execute(
        "SELECT exchange_id FROM exchanges WHERE terminal_id = ? AND state = 'held' "
        "AND created_at <= ? ORDER BY created_at",
        (terminal.terminal_id, cutoff),
    ).fetchall()
    return 200, {"exchanges": [exchange_json(conn, r["exchange_id"]) for r in ids]}
