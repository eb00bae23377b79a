"""`kiosk staff-pin`: staff PINs are set at installation, from stdin or a hidden prompt, never shown."""

from __future__ import annotations

import io
import json

import pytest

from kiosk.cli import main
from kiosk.store import Store
from kiosk.store.audit import entries, verify
from kiosk.ui.staff_auth import StaffAuth
from tests.doctor_helpers import write_config


@pytest.fixture
def cfg(tmp_path):
    return str(write_config(tmp_path / "config.toml", store=tmp_path / "kiosk.sqlite3"))


def staff_pin(cfg, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", cfg, "staff-pin", *args])


def test_set_reads_the_pin_from_stdin_stores_only_a_hash_and_audits(cfg, tmp_path, monkeypatch, capsys):
    assert staff_pin(cfg, monkeypatch, "status") == 1  # a fresh kiosk: no staff mode yet
    assert staff_pin(cfg, monkeypatch, "set", "technician", stdin="97531864\n") == 0
    out = capsys.readouterr()
    assert "97531864" not in out.out + out.err
    with Store(tmp_path / "kiosk.sqlite3") as store:
        staff = StaffAuth(store)
        assert staff.check("technician", "97531864") and not staff.has_pin("clerk")
        stored = store.query("SELECT value FROM settings WHERE key = 'staff.technician.pin'")[0]["value"]
        assert "97531864" not in stored and stored.startswith("scrypt2$")
        assert ("technician", "set_staff_pin") in [(e.actor, e.action) for e in entries(store)]
        assert verify(store) is None
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin="246813\n") == 0
    capsys.readouterr()
    assert staff_pin(cfg, monkeypatch, "status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_a_set_pin_is_changed_only_with_replace_and_bad_pins_are_refused(cfg, tmp_path, monkeypatch, capsys):
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin="246813\n") == 0
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin="135791\n") == 2  # already set
    assert "--replace" in capsys.readouterr().err
    for bad in ("12", "1234", "12345", "abcdef", "1234567890123", ""):
        assert staff_pin(cfg, monkeypatch, "set", "clerk", "--replace", stdin=bad + "\n") == 2
    assert staff_pin(cfg, monkeypatch, "set", "clerk", "--replace", stdin="135791\n") == 0
    with Store(tmp_path / "kiosk.sqlite3") as store:
        assert StaffAuth(store).check("clerk", "135791")
