"""A full disk (or an I/O error) at commit: a clear StoreError, nothing half-written, and
the store still usable, so the journal's last durable step drives recovery."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.exchange.journal import Journal
from kiosk.exchange.steps import Step
from kiosk.store import Store, StoreError


class FailingCommit:
    """The store's connection, whose next COMMIT fails as SQLite does on a full disk."""

    def __init__(self, conn: sqlite3.Connection, error: str) -> None:
        self._conn, self._error = conn, error

    def execute(self, sql, *args):
        if sql == "COMMIT" and self._error:
            error, self._error = self._error, None
            raise sqlite3.OperationalError(error)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.parametrize("error", ["database or disk is full", "disk I/O error"])
def test_a_failed_commit_is_a_clear_error_and_the_journal_stays_recoverable(tmp_path, error):
    path = tmp_path / "kiosk.sqlite3"
    xid = "aaaaaaaa-0000-4000-8000-000000000000"
    store = Store(path)
    journal = Journal(store)
    journal.create(xid, "ev", Step.HOLD_REQUESTED, mykey_id="mk", points=500, fee=45, loaded=455)
    journal.advance(xid, Step.HELD)
    real = store.conn
    store.conn = FailingCommit(real, error)
    with pytest.raises(StoreError, match="nothing was written") as caught:
        journal.advance(xid, Step.LOAD_INTENT, card_ref="ref-04aa", balance_before=0)
    assert error in str(caught.value)
    assert not real.in_transaction  # rolled back: the next step can be journaled
    journal.advance(xid, Step.LOAD_INTENT, card_ref="ref-04aa", balance_before=0)
    store.conn = real
    store.close()
    with Store(path) as again:
        (row,) = Journal(again).unfinished()
        assert row.exchange_id == xid and row.state is Step.LOAD_INTENT
