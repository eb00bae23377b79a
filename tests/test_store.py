import sqlite3

import pytest

from kiosk.store import Store, StoreError, audit
from kiosk.store.migrations import MIGRATIONS


def test_new_store_is_migrated_wal_and_fully_synchronous(tmp_path):
    with Store(tmp_path / "k.sqlite3") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.integrity_check() == "ok"


def test_reopening_does_not_migrate_twice(tmp_path):
    path = tmp_path / "k.sqlite3"
    Store(path).close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "k.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this kiosk"):
        Store(path)


def test_a_corrupt_file_is_a_store_error_not_a_crash(tmp_path):
    path = tmp_path / "k.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        Store(path)


def test_failed_transaction_leaves_nothing(tmp_path):
    with Store(tmp_path / "k.sqlite3") as store:
        with pytest.raises(RuntimeError):
            with store.transaction() as tx:
                audit.append(store, "clerk", "login", {}, tx)
                raise RuntimeError("crash in the middle")
        assert audit.entries(store) == []


def test_audit_chain_detects_edits_and_deletions(tmp_path):
    with Store(tmp_path / "k.sqlite3") as store:
        for i in range(5):
            audit.append(store, "clerk", "cancel", {"exchange": i, "reason": "カード紛失"})
        assert audit.verify(store) is None
        assert [e.seq for e in audit.entries(store)] == [1, 2, 3, 4, 5]
        store.conn.execute("UPDATE audit SET detail = '{\"exchange\": 9}' WHERE seq = 3")
        assert audit.verify(store) == 3
    with Store(tmp_path / "k2.sqlite3") as store:
        for i in range(4):
            audit.append(store, "technician", "provision", {"i": i})
        store.conn.execute("DELETE FROM audit WHERE seq = 2")
        assert audit.verify(store) == 3
