"""MyKey ID set-ups at the counter, journalled in the kiosk's SQLite file (issue 18).

The Idempotency-Key is written (durably) before `POST /v1/holder/mykey`, so that a retry
after a lost answer sends the same key and body and the cloud creates one MyKey ID. The
row holds no MyKey ID, certificate or signature: the proof lives in the engine's memory
only while the consent screen is shown, and the MyKey ID only where settlement records
already keep it.
"""

from __future__ import annotations

import uuid

from kiosk.exchange.journal import Journal

STATES = ("requested", "created", "refused")


class MykeyLog:
    def __init__(self, journal: Journal):
        self.store, self.clock = journal.store, journal.clock

    def _now(self) -> str:
        return self.clock().isoformat(timespec="milliseconds")

    def request(self) -> str:
        key, at = str(uuid.uuid4()), self._now()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO mykey_setups(key, created_at, updated_at, state) VALUES (?,?,?, 'requested')",
                (key, at, at),
            )
        return key

    def settle(self, key: str, state: str, *, error: str | None = None) -> None:
        if state not in STATES[1:]:
            raise ValueError(f"unknown set-up state {state!r}")
        with self.store.transaction() as tx:
            cur = tx.execute(
                "UPDATE mykey_setups SET state = ?, updated_at = ?, last_error = ? WHERE key = ? AND state = 'requested'",
                (state, self._now(), error, key),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no open set-up {key}")

    def note_error(self, key: str, error: str) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE mykey_setups SET last_error = ?, updated_at = ? WHERE key = ?", (error, self._now(), key)
            )

    def states(self) -> list[tuple[str, str]]:
        """(key, state) oldest first: for tests and the technician."""
        rows = self.store.query("SELECT key, state FROM mykey_setups ORDER BY created_at")
        return [(r["key"], r["state"]) for r in rows]
