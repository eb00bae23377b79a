"""Shared pieces for the `kiosk doctor` tests: a kiosk config and the checks by name."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from kiosk.cli import main
from kiosk.secrets import Secret, set_secret

# Every check `kiosk doctor` runs, in the order it prints them (the source and the frozen build).
CHECK_NAMES = [
    "pcsc_service",
    "readers",
    "reader_access",
    "card",
    "cloud_reachable",
    "cloud_credentials",
    "clock_skew",
    "keyring",
    "secrets",
    "database",
    "journal",
    "outbox",
    "staff_pins",
    "font_ja",
    "qt_binding",
    "qt_platform",
]


def write_config(
    path: Path,
    *,
    url: str = "http://127.0.0.1:9",
    terminal_id: str = "T-DOC-1",
    reader: str = "",
    timeout_s: int = 2,
    store: Path | None = None,
) -> Path:
    store = store or path.parent / "kiosk.sqlite3"
    path.write_text(
        f'[reader]\nname = "{reader}"\n[cloud]\nurl = "{url}"\nterminal_id = "{terminal_id}"\n'
        f'timeout_s = {timeout_s}\n[store]\npath = "{store}"\n[log]\nlevel = "ERROR"\n',
        encoding="utf-8",
    )
    return path


def provision(terminal_secret: bytes | None = None, skip: tuple[Secret, ...] = ()) -> None:
    values = {
        Secret.BREKA_LOAD_MASTER: os.urandom(16),
        Secret.TERMINAL_SECRET: terminal_secret or os.urandom(32),
        Secret.DEVICE_KEY: os.urandom(32),
        Secret.CARD_REF_KEY: secrets.token_bytes(32),
    }
    for name, value in values.items():
        if name not in skip:
            set_secret(name, value)


def doctor(cfg: Path, capsys) -> tuple[int, dict]:
    code = main(["--config", str(cfg), "doctor", "--json"])
    out = json.loads(capsys.readouterr().out)
    return code, {c["name"]: c for c in out["checks"]}


def set_staff_pins(store_path: Path) -> None:
    """What `kiosk staff-pin set` does at installation, for both roles."""
    from kiosk.store import Store
    from kiosk.ui.staff_auth import StaffAuth

    with Store(store_path) as store:
        for role, pin in (("clerk", "246813"), ("technician", "97531864")):
            StaffAuth(store).set_pin(role, pin, by="test")
