"""Staff PINs at rest: 6 digits at least, scrypt over HMAC(pepper, PIN) with the pepper in the
keyring (a copied database alone cannot be searched), old unpeppered hashes still open the
mode but are flagged, and a lost pepper fails the doctor check instead of crashing it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil

import keyring
import pytest

from kiosk.cli import main
from kiosk.config import load
from kiosk.diagnostics import Environment, run_all
from kiosk.secrets import KeyringUnavailable, Secret, delete_secret, get_secret, set_secret
from kiosk.store import Store
from kiosk.store.audit import entries
from kiosk.ui import staff_auth
from kiosk.ui.staff_auth import StaffAuth, verify_pin
from tests.doctor_helpers import set_staff_pins, write_config
from tests.memory_keyring import MemoryKeyring


@pytest.fixture
def cfg(tmp_path):
    return write_config(tmp_path / "config.toml", store=tmp_path / "kiosk.sqlite3")


def staff_pin(cfg, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", str(cfg), "staff-pin", *args])


def staff_check(cfg):
    env = Environment(load(cfg))
    return {r.name: r for r in run_all(env, ("kiosk.diagnostics.store_checks",))}["staff_pins"]


def stored_pin(path, role: str) -> str:
    with Store(path) as store:
        return store.query("SELECT value FROM settings WHERE key = ?", (f"staff.{role}.pin",))[0]["value"]


def legacy_hash(pin: str) -> str:
    """What kiosks before the pepper stored: plain salted scrypt."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def put_raw(path, role: str, value: str) -> None:
    with Store(path) as store, store.transaction() as tx:
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"staff.{role}.pin", value),
        )


@pytest.mark.parametrize("short", ["1234", "12345"])
def test_a_pin_under_six_digits_is_refused_with_one_line_and_exit_2(cfg, tmp_path, monkeypatch, capsys, short):
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin=short + "\n") == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1
    assert "6" in out.err and short not in out.err
    with Store(tmp_path / "kiosk.sqlite3") as store:
        assert not StaffAuth(store).has_pin("clerk")
        with pytest.raises(ValueError):
            StaffAuth(store).set_pin("clerk", short, by="test")
    assert get_secret(Secret.STAFF_PIN_PEPPER) is None  # nothing stored, no pepper made for it


def test_the_first_set_makes_a_pepper_that_is_never_printed_and_kept_afterwards(cfg, monkeypatch, capsys):
    assert get_secret(Secret.STAFF_PIN_PEPPER) is None
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin="246813\n") == 0
    pepper = get_secret(Secret.STAFF_PIN_PEPPER)
    assert pepper is not None and len(pepper) == 32
    assert staff_pin(cfg, monkeypatch, "set", "technician", stdin="97531864\n") == 0
    assert get_secret(Secret.STAFF_PIN_PEPPER) == pepper  # made once, reused
    out = capsys.readouterr()
    printed = out.out + out.err
    assert pepper.hex() not in printed and pepper.hex().upper() not in printed
    assert "246813" not in printed and "97531864" not in printed


def test_a_copied_database_does_not_verify_the_right_pin_without_the_keyring(
    cfg, tmp_path, monkeypatch, capsys, test_keyring
):
    assert staff_pin(cfg, monkeypatch, "set", "clerk", stdin="246813\n") == 0
    copy = tmp_path / "stolen.sqlite3"
    shutil.copy(tmp_path / "kiosk.sqlite3", copy)
    stored = stored_pin(copy, "clerk")
    pepper = get_secret(Secret.STAFF_PIN_PEPPER)
    assert stored.startswith("scrypt2$") and pepper.hex() not in stored
    _, _pid, n, r, p, salt, digest = stored.split("$")
    # What an offline search of the file alone can compute never matches, even for the right PIN:
    assert verify_pin(stored, "246813", None) is False
    assert verify_pin(stored, "246813", os.urandom(32)) is False
    plain = hashlib.scrypt(b"246813", salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    assert plain.hex() != digest
    empty = hashlib.scrypt(
        staff_auth._peppered("246813", b""), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    assert empty.hex() != digest
    keyring.set_keyring(MemoryKeyring())  # another machine: the database, but a fresh empty keyring
    with Store(copy) as store:
        assert StaffAuth(store).check("clerk", "246813") is False
        assert StaffAuth(store).pin_state("clerk") == staff_auth.NO_PEPPER
    keyring.set_keyring(test_keyring)  # back on the kiosk: the same value verifies
    assert verify_pin(stored, "246813", pepper) is True
    with Store(copy) as store:
        assert StaffAuth(store).check("clerk", "246813") is True


def test_old_unpeppered_hashes_still_open_the_mode_but_the_doctor_and_status_ask_to_reset_them(
    cfg, tmp_path, monkeypatch, capsys
):
    db = tmp_path / "kiosk.sqlite3"
    set_staff_pins(db)
    put_raw(db, "clerk", legacy_hash("2468"))  # a 4-digit PIN from before MIN_PIN = 6
    with Store(db) as store:
        staff = StaffAuth(store)
        assert staff.check("clerk", "2468")  # nobody is locked out mid-day
        assert not staff.check("clerk", "1357")
        assert staff.pin_state("clerk") == staff_auth.LEGACY and staff.pin_state("technician") == staff_auth.OK
    check = staff_check(cfg)
    assert not check.ok and "clerk" in check.detail and "technician" not in check.detail
    assert "kiosk staff-pin set clerk" in check.hint
    assert staff_pin(cfg, monkeypatch, "status", "--json") == 1
    rows = {r["role"]: r for r in json.loads(capsys.readouterr().out)["roles"]}
    assert rows["clerk"]["needs_reset"] and rows["clerk"]["state"] == "legacy"
    assert not rows["technician"]["needs_reset"]
    assert staff_pin(cfg, monkeypatch, "status") == 1
    out = capsys.readouterr()
    assert "re-set" in out.out and "kiosk staff-pin set clerk --replace" in out.err
    assert staff_pin(cfg, monkeypatch, "set", "clerk", "--replace", stdin="246813\n") == 0
    assert staff_check(cfg).ok
    with Store(db) as store:
        assert not StaffAuth(store).check("clerk", "2468") and StaffAuth(store).check("clerk", "246813")


def test_a_lost_or_replaced_pepper_fails_the_check_clearly_until_both_pins_are_reset(cfg, tmp_path, monkeypatch):
    db = tmp_path / "kiosk.sqlite3"
    set_staff_pins(db)
    assert staff_check(cfg).ok
    delete_secret(Secret.STAFF_PIN_PEPPER)  # the keyring was reset
    check = staff_check(cfg)
    assert not check.ok and "pepper" in check.detail and "clerk" in check.detail and "technician" in check.detail
    assert "--replace" in check.hint
    with Store(db) as store:
        assert StaffAuth(store).check("clerk", "246813") is False  # cannot be checked: no crash
    assert staff_pin(cfg, monkeypatch, "set", "clerk", "--replace", stdin="246813\n") == 0  # a new pepper
    check = staff_check(cfg)
    assert not check.ok and "technician" in check.detail and "clerk" not in check.detail
    with Store(db) as store:
        assert StaffAuth(store).pin_state("technician") == staff_auth.WRONG_PEPPER
    assert staff_pin(cfg, monkeypatch, "set", "technician", "--replace", stdin="97531864\n") == 0
    assert staff_check(cfg).ok


def test_a_failing_keyring_fails_the_check_and_the_set_without_a_traceback(cfg, tmp_path, monkeypatch, capsys):
    set_staff_pins(tmp_path / "kiosk.sqlite3")

    def broken(name):
        raise KeyringUnavailable("keyring backend test is not usable: locked")

    monkeypatch.setattr(staff_auth, "get_secret", broken)
    check = staff_check(cfg)
    assert not check.ok and "keyring" in check.detail
    assert staff_pin(cfg, monkeypatch, "set", "clerk", "--replace", stdin="135791\n") == 1
    err = capsys.readouterr().err
    assert "keyring" in err and "Traceback" not in err and "135791" not in err


def test_a_pepper_of_the_wrong_length_is_refused_not_used(tmp_path):
    set_secret(Secret.STAFF_PIN_PEPPER, b"short")
    with Store(tmp_path / "s.sqlite3") as store:
        with pytest.raises(Exception, match="32"):
            StaffAuth(store).set_pin("clerk", "246813", by="test")
        assert not StaffAuth(store).has_pin("clerk")
        assert "set_staff_pin" not in [e.action for e in entries(store)]
