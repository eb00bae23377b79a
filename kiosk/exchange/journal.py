"""The exchange journal in the kiosk's SQLite file.

`advance()` appends a journal row and updates the exchange in ONE transaction, so the
row set and the exchange state never disagree after a crash. The Breka load procedure
reaches the journal through the LoadJournal port, which this class also implements.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.exchange.steps import NEEDS_CARD, Step, may_follow
from kiosk.store import Store

_FIELDS = (
    "event_id",
    "mykey_id",
    "points",
    "fee",
    "loaded",
    "card_uid",
    "card_ref",
    "balance_before",
    "balance_after",
    "cancel_reason",
    "last_error",
    "log_anchor",
)


class StepRefused(ValueError):
    """A step that would move an exchange backwards, or change a committed/cancelled one."""

    def __init__(self, exchange_id: str, current: Step, step: Step):
        self.exchange_id, self.current, self.step = exchange_id, current, step
        super().__init__(f"exchange {exchange_id} is {current.value}: {step.value} may not follow")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ExchangeRow:
    exchange_id: str
    state: Step
    created_at: str
    updated_at: str
    event_id: str
    mykey_id: str | None
    points: int | None
    fee: int | None
    loaded: int | None
    card_uid: str | None
    card_ref: str | None
    balance_before: int | None
    balance_after: int | None
    cancel_reason: str | None
    last_error: str | None
    log_anchor: str | None = None  # see migration 4

    @property
    def needs_card(self) -> bool:
        return self.state in NEEDS_CARD

    def holds_card(self, card_ref: str, legacy_uid_hex: str | None = None) -> bool:
        """Whether this exchange's load went to that card (its keyed hash; or, for a row
        written before UIDs were hashed, the UID)."""
        if self.card_ref is not None:
            return self.card_ref == card_ref
        return legacy_uid_hex is not None and self.card_uid == legacy_uid_hex

    def figures(self) -> tuple[str, int, int, int]:
        """mykey_id, points, fee, loaded: fixed from hold_requested on (a row without them is corrupt)."""
        if self.mykey_id is None or self.points is None or self.fee is None or self.loaded is None:
            raise ValueError(f"exchange {self.exchange_id} has no figures at {self.state.value}")
        return self.mykey_id, self.points, self.fee, self.loaded

    def age_seconds(self, now: datetime | None = None) -> float:
        now = now or datetime.now(UTC)
        return (now - datetime.fromisoformat(self.created_at)).total_seconds()


class Journal:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utc_now):
        self.store = store
        self.clock = clock  # the replay runs the kiosk on the simulated calendar

    def _now(self) -> str:
        return self.clock().isoformat(timespec="milliseconds")

    def create(self, exchange_id: str, event_id: str, then: Step | None = None, **fields: Any) -> None:
        """Journal a new exchange id; with `then`, also its next step, in the same transaction
        (one fsync less on the counter's critical path)."""
        at = self._now()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) VALUES (?,?,?,?,?)",
                (exchange_id, Step.CREATED.value, at, at, event_id),
            )
            tx.execute(
                "INSERT INTO journal(exchange_id, at, step, detail) VALUES (?,?,?,?)",
                (exchange_id, at, Step.CREATED.value, "{}"),
            )
            self.store.after_commit.append(lambda: _crash_point(Step.CREATED))
            if then is not None:
                self.advance(exchange_id, then, conn=tx, **fields)

    def advance(self, exchange_id: str, step: Step, conn: sqlite3.Connection | None = None, **fields: Any) -> None:
        """Record `step` (and any exchange fields) durably; joins `conn`'s transaction if given."""
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"unknown exchange fields: {sorted(unknown)}")
        _crash_point(step, "BEFORE")
        if conn is None:
            with self.store.transaction() as tx:
                self._advance(tx, exchange_id, step, fields)
            _crash_point(step)
        else:
            self._advance(conn, exchange_id, step, fields)
            self.store.after_commit.append(lambda: _crash_point(step))

    def _advance(self, tx: sqlite3.Connection, exchange_id: str, step: Step, fields: dict[str, Any]) -> None:
        found = tx.execute("SELECT state FROM exchanges WHERE exchange_id = ?", (exchange_id,)).fetchone()
        if found is None:
            raise KeyError(f"no exchange {exchange_id}")
        current = Step(found[0])
        if not may_follow(current, step):  # the one place that keeps the saga moving forward
            raise StepRefused(exchange_id, current, step)
        at = self._now()
        sets = ", ".join(f"{k} = ?" for k in fields)
        sql = f"UPDATE exchanges SET state = ?, updated_at = ?{', ' + sets if sets else ''} WHERE exchange_id = ?"
        cur = tx.execute(sql, (step.value, at, *fields.values(), exchange_id))
        if cur.rowcount != 1:
            raise KeyError(f"no exchange {exchange_id}")
        tx.execute(
            "INSERT INTO journal(exchange_id, at, step, detail) VALUES (?,?,?,?)",
            (exchange_id, at, step.value, json.dumps(fields, ensure_ascii=False, sort_keys=True)),
        )

    def note_error(self, exchange_id: str, code: str) -> None:
        """Record why an unfinished exchange could not move on (a retry tries again later)."""
        with self.store.transaction() as tx:
            found = tx.execute("SELECT state FROM exchanges WHERE exchange_id = ?", (exchange_id,)).fetchone()
            if found is None:
                raise KeyError(f"no exchange {exchange_id}")
            if not Step(found[0]).final:
                self._advance(tx, exchange_id, Step(found[0]), {"last_error": code})

    def get(self, exchange_id: str) -> ExchangeRow:
        rows = self.store.query("SELECT * FROM exchanges WHERE exchange_id = ?", (exchange_id,))
        if not rows:
            raise KeyError(f"no exchange {exchange_id}")
        return _row(rows[0])

    def find(self, exchange_ids: list[str]) -> dict[str, ExchangeRow]:
        """The rows of those ids this kiosk journalled, in one query (ids of other terminals are left out)."""
        if not exchange_ids:
            return {}
        marks = ", ".join("?" * len(exchange_ids))
        rows = self.store.query(f"SELECT * FROM exchanges WHERE exchange_id IN ({marks})", tuple(exchange_ids))
        return {r["exchange_id"]: _row(r) for r in rows}

    def steps(self, exchange_id: str) -> list[Step]:
        return [
            Step(r["step"])
            for r in self.store.query("SELECT step FROM journal WHERE exchange_id = ? ORDER BY id", (exchange_id,))
        ]

    def unfinished(self) -> list[ExchangeRow]:
        open_steps = tuple(s.value for s in Step if not s.final)  # IN, not NOT IN: read from the index
        rows = self.store.query(
            f"SELECT * FROM exchanges WHERE state IN ({', '.join('?' * len(open_steps))}) ORDER BY created_at",
            open_steps,
        )
        return [_row(r) for r in rows]

    def waiting_for_card(self, card_ref: str | None = None, legacy_uid_hex: str | None = None) -> list[ExchangeRow]:
        """Loads that wait for their card (all, or one card's, known by its keyed hash; rows
        written before UIDs were hashed are still found by the UID itself)."""
        rows = [r for r in self.unfinished() if r.needs_card]
        if card_ref is None:
            return rows
        return [r for r in rows if r.holds_card(card_ref, legacy_uid_hex)]


def _row(r: sqlite3.Row) -> ExchangeRow:
    data = dict(r)
    data["state"] = Step(data["state"])
    return ExchangeRow(**data)


def _crash_point(step: Step, when: str = "AFTER") -> None:
    """Fault injection for the crash tests: KIOSK_CRASH_AFTER=<step> (or _BEFORE) kills this
    process with SIGKILL right after that step is durable (or just before it is written).
    Unset in production."""
    if os.environ.get(f"KIOSK_CRASH_{when}") == step.value:
        os.kill(os.getpid(), signal.SIGKILL)
