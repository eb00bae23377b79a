"""Every CLI failure is one line on stderr with a documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest

from kiosk.cli import main
from kiosk.rules import JST
from kiosk.store import Store
from tests.test_outbox import signed_records
from tests.test_outbox_cli import install_secrets, write_config


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_quote_of_5000_digits_is_bad_input(capsys):
    assert main(["quote", "9" * 5000]) == 2
    assert "at most 18 digits" in one_line(capsys)


def test_a_deeply_nested_config_is_a_configuration_error(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert main(["--config", str(path), "config", "check"]) == 2
    assert "nested too deeply" in one_line(capsys)


def test_a_config_that_never_ends_is_refused_without_reading_it_all(capsys):
    assert main(["--config", "/dev/zero", "config", "check"]) == 2
    assert "larger than 1024 KiB" in one_line(capsys)


@pytest.fixture
def broken_db(tmp_path):
    db = tmp_path / "kiosk.sqlite3"
    db.write_bytes(b"this is not sqlite" * 500)
    return str(write_config(tmp_path / "config.toml", db))


@pytest.mark.parametrize("argv", [["exchanges", "pending"], ["staff-pin", "status"], ["outbox", "backup"]])
def test_a_database_that_cannot_be_opened_is_one_line(broken_db, capsys, argv):
    assert main(["--config", broken_db, *argv]) == 1
    assert "cannot be opened" in one_line(capsys)


def test_a_state_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    cfg = write_config(tmp_path / "config.toml", tmp_path / "afile" / "kiosk.sqlite3")
    assert main(["--config", str(cfg), "staff-pin", "status"]) == 1
    assert "cannot be used" in one_line(capsys)


@pytest.fixture
def local(tmp_path):
    device_key = os.urandom(32)
    box = signed_records(Store(tmp_path / "kiosk.sqlite3"), device_key)
    install_secrets(device_key)
    yield box, str(write_config(tmp_path / "config.toml", box.store.path))
    box.store.close()


def test_bad_json_in_the_outbox_is_named_by_verify(local, capsys):
    box, cfg = local
    box.store.conn.execute("UPDATE outbox SET record = '{not json' WHERE seq = 2")
    assert main(["--config", cfg, "outbox", "verify", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["first"]["seq"] == 2 and out["first"]["code"] == "bad_json"


def test_a_wrong_shape_record_stops_the_report_in_one_line(local, tmp_path, capsys):
    box, cfg = local
    box.store.conn.execute("UPDATE outbox SET record = '[1, 2]' WHERE seq = 3")
    # The report reads its months' records only (a damaged one elsewhere is `outbox verify`'s).
    month = datetime.now(JST).strftime("%Y-%m")
    assert main(["--config", cfg, "report", "monthly", "--from", month, "--to", month]) == 1
    assert "outbox seq 3 is not a settlement record" in one_line(capsys)
