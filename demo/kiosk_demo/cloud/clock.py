"""The simulated clock: real time, real time shifted by an offset, or frozen.

It drives the ledger (issuing, expiry, holds, challenges, holder tokens) so a test or a
replay can walk through 2017–2019 month by month. Request freshness and certificate
validity use the real clock: they belong to the outside world, not to the ledger.
Kept in the database so every worker thread and a restart see the same time.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from kiosk_demo.cloud.db import from_us, to_us


def real_now() -> datetime:
    return datetime.now(UTC)


def now(conn: sqlite3.Connection) -> datetime:
    row = conn.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    if row is None:
        return real_now()
    state = json.loads(row["value"])
    if state["frozen"]:
        return from_us(state["at_us"])
    return real_now() + timedelta(microseconds=state["offset_us"])


def set_clock(conn: sqlite3.Connection, at: datetime | None, advance_s: int | None, frozen: bool) -> datetime:
    """Move the clock to `at` (or by `advance_s` from its current time); freeze it or let it run."""
    target = at if at is not None else now(conn) + timedelta(seconds=advance_s or 0)
    state = (
        {"frozen": True, "at_us": to_us(target)}
        if frozen
        else {"frozen": False, "offset_us": to_us(target) - to_us(real_now())}
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('clock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (json.dumps(state),),
    )
    return target


def reset(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM meta WHERE key = 'clock'")


def is_frozen(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    return bool(row and json.loads(row["value"])["frozen"])
