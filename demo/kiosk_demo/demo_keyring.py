"""DEMO-ONLY keyring backend: a 0600 JSON file in the demo's state folder.

The demo runs on machines with no Secret Service (CI, a fresh VM), and a second demo run
must find the same terminal secret and device key. A real kiosk uses the OS keyring
(kiosk.secrets); this backend is installed only by the demo wiring and never by default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class DemoFileKeyring(KeyringBackend):
    priority = 0.1  # never chosen automatically

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}/{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._write(data)


def use_demo_keyring(path: Path) -> DemoFileKeyring:
    backend = DemoFileKeyring(path)
    keyring.set_keyring(backend)
    return backend
