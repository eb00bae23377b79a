"""Clerk and technician PINs: salted scrypt hashes in the store's `settings` table, with a
lock-out after repeated wrong entries. No PIN is ever stored or logged in clear.

settings keys: `staff.<role>.pin` = "scrypt$n$r$p$salt_hex$hash_hex",
`staff.<role>.failures` = "<count>", `staff.<role>.locked_until` = "<unix seconds>".
Every outcome that matters (PIN set, mode entered, lock-out) goes into the audit chain.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable

from kiosk.store import audit

ROLES = ("clerk", "technician")
N, R, P = 2**14, 8, 1
MAX_FAILURES = 5
LOCK_SECONDS = 300
MIN_PIN, MAX_PIN = 4, 12


class StaffLocked(Exception):
    def __init__(self, seconds_left: int):
        super().__init__(f"locked for {seconds_left} s")
        self.seconds_left = seconds_left


def _hash(pin: str, salt: bytes, n: int = N, r: int = R, p: int = P) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


class StaffAuth:
    def __init__(self, store, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock

    # -- settings ------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        rows = self.store.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def _put(self, tx, key: str, value: str) -> None:
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- PINs ----------------------------------------------------------------------------
    def has_pin(self, role: str) -> bool:
        return self._get(f"staff.{_role(role)}.pin") is not None

    def set_pin(self, role: str, pin: str, *, by: str) -> None:
        role = _role(role)
        if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
            raise ValueError(f"a staff PIN has {MIN_PIN} to {MAX_PIN} digits")
        salt = os.urandom(16)
        stored = f"scrypt${N}${R}${P}${salt.hex()}${_hash(pin, salt).hex()}"
        with self.store.transaction() as tx:
            self._put(tx, f"staff.{role}.pin", stored)
            self._put(tx, f"staff.{role}.failures", "0")
            audit.append(self.store, by, "set_staff_pin", {"role": role}, conn=tx)

    def seconds_locked(self, role: str) -> int:
        until = float(self._get(f"staff.{_role(role)}.locked_until") or 0)
        return max(0, int(until - self.clock() + 0.999))

    def check(self, role: str, pin: str) -> bool:
        """True for the right PIN. Raises StaffLocked while the mode is locked."""
        role = _role(role)
        left = self.seconds_locked(role)
        if left:
            raise StaffLocked(left)
        stored = self._get(f"staff.{role}.pin")
        ok = False
        if stored is not None:
            _, n, r, p, salt, digest = stored.split("$")
            ok = hmac.compare_digest(_hash(pin, bytes.fromhex(salt), int(n), int(r), int(p)), bytes.fromhex(digest))
        with self.store.transaction() as tx:
            if ok:
                self._put(tx, f"staff.{role}.failures", "0")
                audit.append(self.store, role, "enter_mode", {"role": role}, conn=tx)
                return True
            failures = int(self._get(f"staff.{role}.failures") or 0) + 1
            self._put(tx, f"staff.{role}.failures", str(failures))
            if failures >= MAX_FAILURES:
                self._put(tx, f"staff.{role}.locked_until", str(self.clock() + LOCK_SECONDS))
                self._put(tx, f"staff.{role}.failures", "0")
                audit.append(self.store, "system", "staff_locked", {"role": role, "seconds": LOCK_SECONDS}, conn=tx)
            else:
                audit.append(self.store, "system", "staff_pin_wrong", {"role": role, "failures": failures}, conn=tx)
        return False


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown staff role {role!r}")
    return role
