"""`kiosk outbox status | flush | verify`, run in-process through kiosk.cli.main with the
test keyring holding the device key and the terminal secret."""

from __future__ import annotations

import json
import os

import pytest

from kiosk.cli import main
from kiosk.secrets import Secret, set_secret
from kiosk.store import Store
from tests.test_outbox import signed_records
from tests.test_uploader import BATCHES, KioskWorld, cloud_records


def write_config(
    path, store_path, url: str = "http://127.0.0.1:9", terminal_id: str = "T-001", event_id: str = "kawasaki-h29-h30"
):
    path.write_text(
        f'[store]\npath = "{store_path}"\n[cloud]\nurl = "{url}"\nterminal_id = "{terminal_id}"\n'
        f'timeout_s = 5\n[rules]\nevent_id = "{event_id}"\n[log]\nlevel = "ERROR"\n',
        encoding="utf-8",
    )
    return path


def install_secrets(device_key: bytes, terminal_secret: bytes = b"s" * 32) -> None:
    set_secret(Secret.DEVICE_KEY, device_key)
    set_secret(Secret.TERMINAL_SECRET, terminal_secret)


@pytest.fixture
def local(tmp_path):
    """Five signed records in a kiosk store (no cloud), the config and the keyring for it."""
    device_key = os.urandom(32)
    box = signed_records(Store(tmp_path / "kiosk.sqlite3"), device_key)
    install_secrets(device_key)
    yield box, str(write_config(tmp_path / "config.toml", box.store.path))
    box.store.close()


def _row(box, seq):
    return json.loads(box.store.query("SELECT record FROM outbox WHERE seq = ?", (seq,))[0]["record"])


def _verify(cfg, capsys):
    code = main(["--config", cfg, "outbox", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_verify_passes_an_intact_chain(local, capsys):
    box, cfg = local
    assert main(["--config", cfg, "outbox", "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("検査済み 5 件") and "verified" in out
    assert _verify(cfg, capsys) == (0, {"ok": True, "records": 5, "first": None, "faults": []})


def test_verify_names_an_edited_record(local, capsys):
    box, cfg = local
    record = _row(box, 3)
    box.store.conn.execute(
        "UPDATE outbox SET record = ? WHERE seq = 3", (json.dumps(dict(record, points_used=50_000)),)
    )
    code, out = _verify(cfg, capsys)
    assert code == 1 and out["first"]["seq"] == 3 and out["first"]["record_id"] == record["record_id"]
    assert out["first"]["code"] == "bad_hash"
    assert main(["--config", cfg, "outbox", "verify"]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith("不正な記録 / bad record: seq 3, record " + record["record_id"]) and "bad_hash" in line


def test_verify_names_the_record_after_a_deleted_one(local, capsys):
    box, cfg = local
    after = _row(box, 3)
    box.store.conn.execute("DELETE FROM outbox WHERE seq = 2")
    code, out = _verify(cfg, capsys)
    assert code == 1 and out["first"] == {
        "seq": 3,
        "record_id": after["record_id"],
        "code": "seq_gap",
        "message": "seq 2 to 2 missing",
    }


def test_verify_names_a_reordered_record(local, capsys):
    box, cfg = local
    rows = {r["seq"]: (r["record"], r["hash"]) for r in box.store.query("SELECT seq, record, hash FROM outbox")}
    moved = json.loads(rows[4][0])["record_id"]
    conn = box.store.conn
    conn.execute("UPDATE outbox SET record = ?, hash = ?, record_id = 'tmp' WHERE seq = 2", rows[4])
    conn.execute("UPDATE outbox SET record = ?, hash = ?, record_id = 'tmp2' WHERE seq = 4", rows[2])
    code, out = _verify(cfg, capsys)
    assert code == 1 and (out["first"]["seq"], out["first"]["record_id"], out["first"]["code"]) == (
        2,
        moved,
        "seq_mismatch",
    )


def test_verify_without_the_device_key_is_a_configuration_error(local, capsys, test_keyring):
    box, cfg = local
    test_keyring.store.clear()
    assert main(["--config", cfg, "outbox", "verify"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("鍵が使えません / a secret is not available") and "device-key-ed25519" in err


def test_status_of_a_kiosk_without_a_database(tmp_path, capsys):
    cfg = write_config(tmp_path / "config.toml", tmp_path / "none.sqlite3")
    assert main(["--config", str(cfg), "outbox", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0
    assert not (tmp_path / "none.sqlite3").exists()


def test_flush_uploads_everything_and_status_shows_it(sim, cloud_sim, tmp_path, capsys):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3")
    try:
        holder = world.holder(10_000)
        for points in (500, 11, 1234):
            world.exchange(holder, points)
        install_secrets(world.device_key, world.term.secret)
        cfg = str(
            write_config(tmp_path / "config.toml", world.store.path, sim.url, world.term.terminal_id, world.event)
        )
        assert main(["--config", cfg, "outbox", "status", "--json"]) == 0
        before = json.loads(capsys.readouterr().out)
        assert (before["total"], before["unsent"], before["last_seq"]) == (3, 3, 3)
        assert before["oldest_unsent_at"]

        assert main(["--config", cfg, "outbox", "flush"]) == 0
        assert "受理 3" in capsys.readouterr().out
        assert cloud_records(cloud_sim, world.term.terminal_id) == [1, 2, 3]
        assert main(["--config", cfg, "outbox", "status"]) == 0
        text = capsys.readouterr().out
        assert "未送信 / unsent       :        0" in text and "受理 / accepted       :        3" in text

        # An outage longer than flush's attempts: exit 1 with one bilingual line; nothing lost.
        world.exchange(holder, 77)
        sim.fault(BATCHES, kind="error", phase="before", count=50)
        assert main(["--config", cfg, "outbox", "flush"]) == 1
        lines = capsys.readouterr().out.strip().splitlines()
        assert lines[-1].startswith("未送信の記録が 1 件残っています") and "1 records remain unsent" in lines[-1]
        sim.clear_faults()
        assert main(["--config", cfg, "outbox", "flush", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["accepted"] == 1
        assert world.outbox.status().total == 4 and cloud_records(cloud_sim, world.term.terminal_id) == [1, 2, 3, 4]
    finally:
        world.close()


def test_the_cli_can_use_the_demo_folders_keyring(tmp_path):
    """KIOSK_DEMO_KEYRING points every verb at a demo folder's keyring file (demo and training)."""
    import os
    import subprocess
    import sys

    from kiosk.secrets import SERVICE, Secret
    from kiosk_demo.demo_keyring import DemoFileKeyring

    ring = DemoFileKeyring(tmp_path / "ring.json")
    ring.set_password(SERVICE, Secret.DEVICE_KEY.value, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "k.sqlite3"}"\n')
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "outbox", "verify"],
        capture_output=True,
        text=True,
        env={**os.environ, "KIOSK_DEMO_KEYRING": str(tmp_path / "ring.json")},
    )
    assert out.returncode == 0, out.stderr
