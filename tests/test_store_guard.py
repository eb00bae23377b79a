"""Losing data is noticed: a lost database is not silently re-created, a cut tail or a
forged outcome shows in `outbox verify`, exchanges are cross-checked against records,
and the cloud's chain head is compared at each upload (real SQLite, real simulator)."""

from __future__ import annotations

import json
import os

import pytest

from kiosk.cli import main
from kiosk.store import DatabaseLost, Store, marker
from kiosk.sync.uploader import Uploader
from tests.test_doctor import checks
from tests.test_outbox import signed_records
from tests.test_outbox_cli import install_secrets, write_config
from tests.test_uploader import KioskWorld


@pytest.fixture
def kiosk_db(tmp_path):
    """Five committed exchanges with their records, the config and the keyring for them."""
    device_key = os.urandom(32)
    path = tmp_path / "kiosk.sqlite3"
    box = signed_records(Store(path), device_key)
    box.store.close()
    install_secrets(device_key)
    return path, str(write_config(tmp_path / "config.toml", path))


def _verify(cfg, capsys) -> tuple[int, dict]:
    code = main(["--config", cfg, "outbox", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("loss", ["empty", "deleted"])
def test_a_lost_database_is_an_alarm_not_a_fresh_start(kiosk_db, capsys, loss):
    path, cfg = kiosk_db
    assert marker.read(path)["seq"] == 5
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    if loss == "empty":
        path.write_bytes(b"")
    with pytest.raises(DatabaseLost, match="missing or empty"):
        Store(path)
    assert not path.exists() or path.stat().st_size == 0  # not re-created
    by = checks(cfg, "store_checks")
    assert not by["database"].ok and "missing or empty" in by["database"].detail
    assert main(["--config", cfg, "outbox", "status"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "missing or empty" in err


def test_a_cut_tail_is_found_by_verify_and_blocks_the_start(kiosk_db, capsys):
    path, cfg = kiosk_db
    with Store(path) as store:
        store.conn.execute("DELETE FROM outbox WHERE seq >= 4")
    code, out = _verify(cfg, capsys)
    codes = [f["code"] for f in out["faults"]]
    assert code == 1 and "cut_tail" in codes and codes.count("missing_record") == 2
    by = checks(cfg, "store_checks")
    assert not by["database"].ok and "cut off" in by["database"].detail


def test_a_forged_outcome_is_found_by_verify(kiosk_db, capsys):
    path, cfg = kiosk_db
    assert _verify(cfg, capsys) == (0, {"ok": True, "records": 5, "first": None, "faults": []})
    with Store(path) as store:
        store.conn.execute("UPDATE outbox SET outcome = 'accepted' WHERE seq = 3")
    code, out = _verify(cfg, capsys)
    assert code == 1 and out["first"]["code"] == "forged_outcome" and out["first"]["seq"] == 3


def test_a_record_that_disagrees_with_its_exchange_is_found(kiosk_db, capsys):
    path, cfg = kiosk_db
    with Store(path) as store:
        store.conn.execute(
            "UPDATE exchanges SET points = 9999 WHERE exchange_id = (SELECT exchange_id FROM outbox WHERE seq = 2)"
        )
    code, out = _verify(cfg, capsys)
    assert code == 1 and out["first"]["code"] == "exchange_mismatch" and out["first"]["seq"] == 2


def test_the_cloud_head_beyond_the_kiosk_stops_uploading(sim, tmp_path):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=2.0)
    try:
        holder = world.holder(10_000)
        for points in (500, 600, 700):
            world.exchange(holder, points)
        up = Uploader(world.outbox, world.client, attempts=1)
        assert up.upload_once().ok
        assert marker.read(world.store.path)["cloud_seq"] == 3
        world.store.conn.execute("DELETE FROM outbox WHERE seq >= 2")  # the kiosk lost two records
        world.exchange(holder, 800)  # now seq 2 here, a different record
        summary = up.upload_once()
        assert summary.error and summary.error.startswith("head_mismatch") and "records were lost here" in summary.error
        status = world.outbox.status()
        assert status.alarm and status.unsent == 1
    finally:
        world.close()


def test_backup_then_restore_after_the_database_is_lost(kiosk_db, capsys):
    from datetime import datetime

    from kiosk.store import backup

    path, cfg = kiosk_db
    assert main(["--config", cfg, "outbox", "backup"]) == 0
    made = backup.backups(path)
    assert len(made) == 1 and made[0].stat().st_mode & 0o777 == 0o600
    assert made[0].parent.stat().st_mode & 0o777 == 0o700
    with Store(path) as store:
        assert backup.daily(store) is None  # one a day
        assert backup.daily(store, now=datetime(2099, 1, 2)) is not None
        for day in range(3, 20):
            backup.backup(store, keep=3, now=datetime(2099, 1, day))
    assert len(backup.backups(path)) == 3
    path.unlink()
    capsys.readouterr()
    assert main(["--config", cfg, "outbox", "status"]) == 1  # lost: refused, not re-created
    newest = backup.backups(path)[0]
    assert main(["--config", cfg, "outbox", "restore", str(newest)]) == 0
    assert "seq 5" in capsys.readouterr().out
    assert _verify(cfg, capsys)[0] == 0
    with Store(path) as store:
        assert store.outbox_head()[0] == 5
        assert "restore_backup" in [r["action"] for r in store.query("SELECT action FROM audit")]


def test_a_broken_backup_is_not_restored(kiosk_db, tmp_path, capsys):
    path, cfg = kiosk_db
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database" * 100)
    assert main(["--config", cfg, "outbox", "restore", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "restore failed" in err[0]
    with Store(path) as store:
        assert store.outbox_head()[0] == 5  # the current database was left alone


def test_an_outcome_forged_by_hand_stops_uploading(sim, tmp_path):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=2.0)
    try:
        holder = world.holder(10_000)
        world.exchange(holder, 500)
        world.exchange(holder, 600)
        world.store.conn.execute("UPDATE outbox SET outcome = 'accepted' WHERE seq = 1")
        summary = Uploader(world.outbox, world.client, attempts=1).upload_once()
        assert summary.error and "seq 1 is marked accepted but the cloud's chain ends at 0" in summary.error
    finally:
        world.close()


def test_the_database_its_wal_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "state"
    with Store(folder / "kiosk.sqlite3") as store, store.transaction() as tx:
        tx.execute("INSERT INTO settings(key, value) VALUES ('k', 'v')")
        modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert modes["kiosk.sqlite3"] == modes["kiosk.sqlite3-wal"] == modes["kiosk.sqlite3.marker"] == 0o600


def test_the_integrity_check_of_a_copy_is_noted_and_survives_a_shutdown(tmp_path):
    """check_copy runs on a thread of its own: its verdict reaches `kiosk doctor` through the
    live database, and a kiosk that closed its database meanwhile does not make it crash."""
    from kiosk.store import backup

    store = Store(tmp_path / "kiosk.sqlite3")
    copy = backup.daily(store)
    assert copy is not None
    assert backup.check_copy(store, copy) == "ok"
    assert backup.last_integrity(store)["verdict"] == "ok"
    store.close()
    assert backup.check_copy(store, copy) == "ok"  # noted nowhere, and no exception
