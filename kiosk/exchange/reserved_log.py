"""Assignments of reserved points, journalled in the kiosk's SQLite file.

The Idempotency-Key is written (durably) before the cloud call that uses it, so that a
retry after a lost answer sends the same key and the same body, and the cloud assigns
the points once. A row still `requested` after its visit means the answer never came:
the points are then either still reserved or in a lot of the event; none are lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kiosk.exchange.journal import Journal

STATES = ("requested", "assigned", "refused")


@dataclass(frozen=True)
class Assignment:
    key: str
    event_id: str
    mykey_id: str
    points: int
    state: str
    lot_id: str | None
    last_error: str | None


class ReservedLog:
    def __init__(self, journal: Journal):
        self.store, self.clock = journal.store, journal.clock

    def _now(self) -> str:
        return self.clock().isoformat(timespec="milliseconds")

    def request(self, event_id: str, mykey_id: str, points: int) -> Assignment:
        key, at = str(uuid.uuid4()), self._now()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO reserved_assignments(key, created_at, updated_at, event_id, mykey_id, points, state) "
                "VALUES (?,?,?,?,?,?, 'requested')",
                (key, at, at, event_id, mykey_id, points),
            )
        return self.get(key)

    def settle(self, key: str, state: str, *, lot_id: str | None = None, error: str | None = None) -> None:
        if state not in STATES[1:]:
            raise ValueError(f"unknown assignment state {state!r}")
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE reserved_assignments SET state = ?, updated_at = ?, lot_id = ?, last_error = ? "
                "WHERE key = ? AND state = 'requested'",
                (state, self._now(), lot_id, error, key),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no open assignment {key}")

    def note_error(self, key: str, error: str) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE reserved_assignments SET last_error = ?, updated_at = ? WHERE key = ?",
                (error, self._now(), key),
            )

    def get(self, key: str) -> Assignment:
        rows = self.store.query(
            "SELECT key, event_id, mykey_id, points, state, lot_id, last_error FROM reserved_assignments WHERE key = ?",
            (key,),
        )
        if not rows:
            raise KeyError(f"no assignment {key}")
        return Assignment(**dict(rows[0]))

    def all(self) -> list[Assignment]:
        rows = self.store.query(
            "SELECT key, event_id, mykey_id, points, state, lot_id, last_error FROM reserved_assignments "
            "ORDER BY created_at"
        )
        return [Assignment(**dict(r)) for r in rows]
