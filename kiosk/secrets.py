"""Every secret the kiosk holds lives in the OS keyring, reached only through this module.

Keys and terminal credentials are never read from files or written to logs. Values are
bytes, stored base64-encoded under the service name "kiosk". Tests install a keyring
backend of their own; the demo installs a demo-only file backend (kiosk_demo).
"""

from __future__ import annotations

import base64
import binascii
from enum import Enum

import keyring
import keyring.errors

SERVICE = "kiosk"


class Secret(str, Enum):
    BREKA_LOAD_MASTER = "breka-k1-master"  # Breka K1 master (kiosk load key)
    BREKA_READ_MASTER = "breka-k3-master"  # Breka K3 master (read-only key)
    TERMINAL_SECRET = "terminal-secret"  # HMAC secret shared with the point cloud
    DEVICE_KEY = "device-key-ed25519"  # settlement-record signing key (raw 32 bytes)
    CARD_REF_KEY = "card-ref-key"  # keyed hash of Breka UIDs (card_ref)
    STAFF_PIN_PEPPER = "staff-pin-pepper"  # keyed input to the staff PIN hashes (kiosk.ui.staff_auth)

    @property
    def hint(self) -> str:
        return f"provision it in technician mode or with `kiosk secrets set {self.value}`"


class SecretError(RuntimeError):
    pass


class MissingSecret(SecretError):
    def __init__(self, name: Secret):
        self.name = name
        super().__init__(f"secret {name.value!r} is not in the keyring; {name.hint}")


class KeyringUnavailable(SecretError):
    pass


def get_secret(name: Secret) -> bytes | None:
    try:
        stored = keyring.get_password(SERVICE, Secret(name).value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"keyring backend {backend_name()} is not usable: {exc}") from exc
    if stored is None:
        return None
    try:
        return base64.b64decode(stored, validate=True)
    except binascii.Error as exc:
        raise SecretError(f"secret {Secret(name).value!r} in the keyring is not valid base64") from exc


def require_secret(name: Secret) -> bytes:
    value = get_secret(name)
    if value is None:
        raise MissingSecret(Secret(name))
    return value


def set_secret(name: Secret, value: bytes) -> None:
    if not value:
        raise ValueError("refusing to store an empty secret")
    try:
        keyring.set_password(SERVICE, Secret(name).value, base64.b64encode(value).decode("ascii"))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"keyring backend {backend_name()} refused the write: {exc}") from exc


def delete_secret(name: Secret) -> None:
    try:
        keyring.delete_password(SERVICE, Secret(name).value)
    except keyring.errors.PasswordDeleteError:
        pass


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"
