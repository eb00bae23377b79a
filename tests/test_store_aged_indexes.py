"""The indexes a years-old database needs (the migration that adds `outbox.occurred_at`):
an existing file is upgraded in place, and the staff queries are answered from indexes,
not by reading the whole history (docs/performance.md, aged database)."""

from __future__ import annotations

import sqlite3

from kiosk.exchange.journal import Journal
from kiosk.exchange.recovery import ALERT_COMMIT_REFUSED, alerts
from kiosk.store import Store, audit
from kiosk.store.migrations import MIGRATIONS
from kiosk.sync import report
from kiosk.sync.outbox import Outbox

MINE = next(i for i, m in enumerate(MIGRATIONS) if any("outbox_by_occurred" in sql for sql in m))


def _plan(store: Store, sql: str, args: tuple = ()) -> str:
    return " ".join(str(r[3]) for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql, args))


def test_an_old_file_gets_occurred_at_and_a_damaged_record_stays_readable(tmp_path):
    path = tmp_path / "k.sqlite3"
    _old_file(path)
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        rows = {r["seq"]: r["occurred_at"] for r in store.query("SELECT seq, occurred_at FROM outbox")}
        assert rows == {1: "2021-06-15T03:00:00+00:00", 2: None}  # damaged: NULL, read by every report
        with store.transaction() as tx:
            tx.execute("UPDATE outbox SET record = '[1, 2]' WHERE seq = 1")  # damage is still writable


def _old_file(path) -> None:
    """A database as the release before this migration left it, with two records."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statements in MIGRATIONS[:MINE]:
        for sql in statements:
            conn.execute(sql)
    conn.execute(f"PRAGMA user_version={MINE}")
    for seq, record in ((1, '{"occurred_at": "2021-06-15T03:00:00+00:00", "seq": 1}'), (2, "{not json")):
        conn.execute(
            "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) VALUES (?,?,?,?,?)",
            (f"x{seq}", "committed", "2021-06-15T03:00:00+00:00", "2021-06-15T03:00:00+00:00", "ev"),
        )
        conn.execute(
            "INSERT INTO outbox(seq, record_id, exchange_id, record, hash, created_at) VALUES (?,?,?,?,?,?)",
            (seq, f"r{seq}", f"x{seq}", record, "h", "2021-06-15T03:00:00+00:00"),
        )
    conn.close()


def test_the_staff_queries_read_indexes(tmp_path):
    with Store(tmp_path / "k.sqlite3") as store:
        assert "exchanges_by_state" in _plan(
            store, "SELECT COUNT(*) FROM exchanges WHERE state = 'committed' AND created_at >= ?", ("2026",)
        )
        assert "outbox_status" in _plan(
            store, "SELECT COUNT(*), SUM(outcome IS NULL), MIN(created_at), MAX(attempts) FROM outbox"
        )
        assert "outbox_unsent" in _plan(
            store,
            "SELECT record_id, seq, record FROM outbox INDEXED BY outbox_unsent "
            "WHERE outcome IS NULL AND seq > ? ORDER BY seq LIMIT ?",
            (0, 10),
        )
        assert "outbox_by_occurred" in _plan(
            store,
            "SELECT seq FROM outbox WHERE occurred_at IS NULL OR (occurred_at >= ? AND occurred_at < ?)",
            ("a", "b"),
        )
        assert "exchanges_by_state" in _plan(store, "SELECT * FROM exchanges WHERE state IN ('held', 'loaded')")


def test_the_report_reads_its_months_and_alerts_find_their_kind(tmp_path):
    with Store(tmp_path / "k.sqlite3") as store:
        outbox, key = Outbox(store, "t"), bytes(range(32))
        journal = Journal(store)
        for i, at in enumerate(["2021-05-31T14:59:59+00:00", "2021-05-31T15:00:00+00:00", "2021-07-02T00:00:00+00:00"]):
            journal.create(f"x{i}", "ev")
            with store.transaction() as tx:
                outbox.append(
                    tx,
                    device_key=key,
                    exchange_id=f"x{i}",
                    mykey_id="mk",
                    event_id="ev",
                    points_used=110,
                    fee=10,
                    loaded=100,
                    card_ref="c",
                    load_id=f"x{i}",
                    occurred_at=at,
                )
        june = report.local_records(store, "2021-06", "2021-06")
        assert [r["exchange_id"] for r in june] == [
            "x0",
            "x1",
        ]  # JST June starts at 15:00 UTC on May 31 (a day's margin)
        rep = report.build(june, {}, "2021-06", "2021-06")
        assert rep.months[0]["used_count"] == 1  # build keeps June (JST) only
        assert len(report.local_records(store)) == 3
        audit.append(store, "system", ALERT_COMMIT_REFUSED, {"exchange_id": "x2", "code": "already_cancelled"})
        audit.append(store, "system", "something_else", {"exchange_id": "x1"})
        assert [(a["kind"], a["exchange_id"]) for a in alerts(journal)] == [(ALERT_COMMIT_REFUSED, "x2")]
