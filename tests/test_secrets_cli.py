"""`kiosk secrets`: values from stdin only, never printed, changes audited."""

from __future__ import annotations

import base64
import io
import json
import os

import pytest

from kiosk.cli import main
from kiosk.secrets import Secret, get_secret, set_secret
from kiosk.store import Store
from kiosk.store.audit import entries, verify
from kiosk.sync.settlement_record import public_key_bytes
from tests.doctor_helpers import provision, write_config


@pytest.fixture
def cfg(tmp_path):
    return str(write_config(tmp_path / "config.toml", store=tmp_path / "kiosk.sqlite3"))


@pytest.fixture
def store_path(tmp_path):
    Store(tmp_path / "kiosk.sqlite3").close()
    return tmp_path / "kiosk.sqlite3"


def secrets_cli(cfg, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", cfg, "secrets", *args])


def test_set_reads_hex_from_stdin_stores_it_prints_nothing_secret_and_audits(cfg, store_path, monkeypatch, capsys):
    key = os.urandom(16)
    assert secrets_cli(cfg, monkeypatch, "set", "breka-k1-master", stdin=key.hex(" ").upper() + "\n") == 0
    assert get_secret(Secret.BREKA_LOAD_MASTER) == key
    out = capsys.readouterr()
    assert key.hex() not in (out.out + out.err).lower().replace(" ", "")
    with Store(store_path) as store:
        last = entries(store)[-1]
        assert (last.actor, last.action, last.detail["name"]) == ("technician", "secret_set", "breka-k1-master")
        assert key.hex() not in json.dumps(last.detail) and verify(store) is None


@pytest.mark.parametrize(
    "name, text, fragment",
    [
        ("breka-k1-master", "00" * 15, "15"),  # wrong length
        ("breka-k1-master", base64.b64encode(b"k" * 16).decode(), "hex"),  # masters are hex only
        ("terminal-secret", "not a secret!", "base64"),
        ("terminal-secret", "", "base64"),
    ],
)
def test_bad_values_are_refused_with_one_line_and_status_2(cfg, monkeypatch, capsys, name, text, fragment):
    assert secrets_cli(cfg, monkeypatch, "set", name, stdin=text) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err
    assert get_secret(Secret(name)) is None


def test_a_value_on_the_command_line_is_not_accepted(cfg, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exc:
        secrets_cli(cfg, monkeypatch, "set", "breka-k1-master", "00" * 16)
    assert exc.value.code == 2 and get_secret(Secret.BREKA_LOAD_MASTER) is None


def test_terminal_secret_in_base64_and_replace_needed_to_overwrite(cfg, monkeypatch, capsys):
    first, second = os.urandom(32), os.urandom(32)
    assert secrets_cli(cfg, monkeypatch, "set", "terminal-secret", stdin=base64.b64encode(first).decode()) == 0
    assert secrets_cli(cfg, monkeypatch, "set", "terminal-secret", stdin=second.hex()) == 2
    assert "--replace" in capsys.readouterr().err and get_secret(Secret.TERMINAL_SECRET) == first
    assert secrets_cli(cfg, monkeypatch, "set", "terminal-secret", "--replace", stdin=second.hex()) == 0
    assert get_secret(Secret.TERMINAL_SECRET) == second


def test_generate_device_key_prints_only_the_public_key(cfg, store_path, monkeypatch, capsys):
    assert secrets_cli(cfg, monkeypatch, "generate", "device-key-ed25519") == 0
    out = capsys.readouterr().out
    private = get_secret(Secret.DEVICE_KEY)
    public = base64.b64encode(public_key_bytes(private)).decode()
    assert len(private) == 32 and public in out
    assert private.hex() not in out and base64.b64encode(private).decode() not in out
    with Store(store_path) as store:
        assert entries(store)[-1].detail == {"name": "device-key-ed25519", "replaced": False, "public_key": public}
    assert secrets_cli(cfg, monkeypatch, "generate", "card-ref-key") == 0
    assert len(get_secret(Secret.CARD_REF_KEY)) == 32
    assert secrets_cli(cfg, monkeypatch, "generate", "terminal-secret") == 2  # comes from the operator


def test_status_shows_presence_and_backend_never_values(cfg, monkeypatch, capsys):
    assert secrets_cli(cfg, monkeypatch, "status", "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert "MemoryKeyring" in data["backend"] and not data["ok"]
    assert {r["name"]: r["state"] for r in data["secrets"]}["breka-k1-master"] == "absent"
    provision()
    assert secrets_cli(cfg, monkeypatch, "status") == 0  # K3 is optional
    out = capsys.readouterr().out
    assert "breka-k3-master" in out and "optional" in out and "public key" in out
    assert get_secret(Secret.BREKA_LOAD_MASTER).hex() not in out
    set_secret(Secret.CARD_REF_KEY, b"short")
    assert secrets_cli(cfg, monkeypatch, "status", "--json") == 1
    assert {r["name"]: r["state"] for r in json.loads(capsys.readouterr().out)["secrets"]}[
        "card-ref-key"
    ] == "malformed"


def test_delete_needs_yes_and_is_audited(cfg, store_path, monkeypatch, capsys):
    provision()
    assert secrets_cli(cfg, monkeypatch, "delete", "card-ref-key") == 2
    assert get_secret(Secret.CARD_REF_KEY) is not None
    assert secrets_cli(cfg, monkeypatch, "delete", "card-ref-key", "--yes") == 0
    assert get_secret(Secret.CARD_REF_KEY) is None
    with Store(store_path) as store:
        assert entries(store)[-1].action == "secret_deleted"


def test_unknown_name_is_bad_input(cfg, monkeypatch, capsys):
    assert secrets_cli(cfg, monkeypatch, "set", "breka-k9", stdin="00" * 16) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "breka-k1-master" in err


def test_no_database_no_audit_and_none_created(cfg, tmp_path, monkeypatch):
    assert secrets_cli(cfg, monkeypatch, "generate", "card-ref-key") == 0
    assert not (tmp_path / "kiosk.sqlite3").exists()
