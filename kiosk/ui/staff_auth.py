"""Clerk and technician PINs: peppered, salted scrypt hashes in the store's `settings` table,
with an increasing wait after wrong entries. No PIN (and no pepper) is ever stored or logged
in clear.

settings keys: `staff.<role>.pin` = "scrypt2$pepper_id$n$r$p$salt_hex$hash_hex" (older kiosks:
"scrypt$n$r$p$salt_hex$hash_hex", unpeppered, still accepted until re-set),
`staff.<role>.failures` = "<wrong entries since the last right one>",
`staff.<role>.next_try` = "<unix seconds before which no entry is checked>".

The pepper is a random 32-byte secret in the OS keyring (Secret.STAFF_PIN_PEPPER), made by
the first `set_pin`. A copy of the database alone is therefore not enough to search the
(small) space of 6-digit PINs offline: every guess needs the pepper.

A wrong PIN does not lock the mode (a citizen could otherwise lock the clerk out on purpose);
it makes the next entry wait longer: 0, 0, 2, 4, 8 … up to MAX_WAIT seconds, reset by the
right PIN. Every outcome that matters (PIN set, mode entered, wrong PIN) goes into the audit
chain.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable

from kiosk.secrets import Secret, SecretError, get_secret, set_secret
from kiosk.store import audit

log = logging.getLogger(__name__)

ROLES = ("clerk", "technician")
N, R, P = 2**14, 8, 1
MIN_PIN, MAX_PIN = 6, 12
FREE_FAILURES = 2  # wrong entries that cost no wait (a typo, then a second typo)
MAX_WAIT = 60  # seconds: the longest wait, however many wrong entries
PEPPER_BYTES = 32
FORMAT, LEGACY_FORMAT = "scrypt2", "scrypt"

# What a role's stored PIN is good for (`pin_state`):
ABSENT = "absent"  # no PIN: the mode stays closed
OK = "ok"  # peppered hash, pepper present and the one it was made with
LEGACY = "legacy"  # unpeppered hash from before scrypt2 (maybe 4 digits): verifies, must be re-set
NO_PEPPER = "no_pepper"  # peppered hash but the keyring has no pepper (keyring lost or reset)
WRONG_PEPPER = "wrong_pepper"  # the keyring's pepper is not the one this hash was made with
KEYRING_FAILED = "keyring_failed"  # the keyring could not be read
UNKNOWN = "unknown"  # a stored value in no format this kiosk knows


class StaffLocked(Exception):
    """Too soon after wrong entries: the next entry is checked in `seconds_left` seconds."""

    def __init__(self, seconds_left: int):
        super().__init__(f"wait {seconds_left} s before the next try")
        self.seconds_left = seconds_left


def wait_after(failures: int) -> int:
    """Seconds to wait before the entry that follows `failures` wrong ones in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_WAIT, 2 ** (failures - FREE_FAILURES))


def _scrypt(secret: bytes, salt: bytes, n: int = N, r: int = R, p: int = P) -> bytes:
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=32)


def _peppered(pin: str, pepper: bytes) -> bytes:
    # HMAC first, then scrypt (rather than the pepper in scrypt's salt): the salt stays a
    # public per-hash value, and scrypt's input becomes a 32-byte PRF output that nobody
    # without the pepper can compute, whatever the PIN. HMAC keeps pepper and PIN apart
    # (no concatenation ambiguity), and the pepper never reaches the stored string.
    return hmac.new(pepper, pin.encode(), hashlib.sha256).digest()


def pepper_id(pepper: bytes) -> str:
    """A short public name for a pepper, stored with each hash: tells a replaced pepper from
    the right one. An HMAC of a constant: it says nothing that helps guess PIN or pepper."""
    return hmac.new(pepper, b"kiosk staff-pin pepper id", hashlib.sha256).hexdigest()[:16]


def hash_pin(pin: str, pepper: bytes, salt: bytes | None = None) -> str:
    salt = os.urandom(16) if salt is None else salt
    digest = _scrypt(_peppered(pin, pepper), salt)
    return f"{FORMAT}${pepper_id(pepper)}${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(stored: str, pin: str, pepper: bytes | None) -> bool:
    """Whether `pin` matches the stored value. A peppered value never matches without the
    pepper it was made with (an offline search of a copied database cannot succeed)."""
    parts = stored.split("$")
    try:
        if parts[0] == LEGACY_FORMAT and len(parts) == 6:
            _, n, r, p, salt, digest = parts
            secret = pin.encode()
        elif parts[0] == FORMAT and len(parts) == 7:
            _, pid, n, r, p, salt, digest = parts
            if pepper is None or not hmac.compare_digest(pid, pepper_id(pepper)):
                return False
            secret = _peppered(pin, pepper)
        else:
            return False
        computed = _scrypt(secret, bytes.fromhex(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, bytes.fromhex(digest))
    except ValueError:
        return False


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

    # -- the pepper ----------------------------------------------------------------------
    @staticmethod
    def _pepper() -> bytes | None:
        value = get_secret(Secret.STAFF_PIN_PEPPER)
        return value if value is not None and len(value) == PEPPER_BYTES else None

    def _pepper_or_new(self, by: str, tx) -> bytes:
        value = get_secret(Secret.STAFF_PIN_PEPPER)
        if value is not None and len(value) != PEPPER_BYTES:
            raise SecretError(f"secret {Secret.STAFF_PIN_PEPPER.value!r} has {len(value)} bytes, not {PEPPER_BYTES}")
        if value is None:
            value = secrets.token_bytes(PEPPER_BYTES)
            set_secret(Secret.STAFF_PIN_PEPPER, value)
            audit.append(self.store, by, "secret_generated", {"name": Secret.STAFF_PIN_PEPPER.value}, conn=tx)
            log.info("generated the staff PIN pepper in the keyring")
        return value

    # -- PINs ----------------------------------------------------------------------------
    def has_pin(self, role: str) -> bool:
        return self._get(f"staff.{_role(role)}.pin") is not None

    def pin_state(self, role: str) -> str:
        """ABSENT, OK, LEGACY, NO_PEPPER, WRONG_PEPPER, KEYRING_FAILED or UNKNOWN."""
        stored = self._get(f"staff.{_role(role)}.pin")
        if stored is None:
            return ABSENT
        parts = stored.split("$")
        if parts[0] == LEGACY_FORMAT and len(parts) == 6:
            return LEGACY
        if parts[0] != FORMAT or len(parts) != 7:
            return UNKNOWN
        try:
            pepper = self._pepper()
        except SecretError:
            return KEYRING_FAILED
        if pepper is None:
            return NO_PEPPER
        return OK if hmac.compare_digest(parts[1], pepper_id(pepper)) else WRONG_PEPPER

    def set_pin(self, role: str, pin: str, *, by: str) -> None:
        """Raises ValueError for a PIN that is not MIN_PIN..MAX_PIN digits, SecretError when
        the keyring cannot give (or keep) the pepper."""
        role = _role(role)
        if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
            raise ValueError(f"a staff PIN has {MIN_PIN} to {MAX_PIN} digits")
        with self.store.transaction() as tx:
            stored = hash_pin(pin, self._pepper_or_new(by, tx))
            self._put(tx, f"staff.{role}.pin", stored)
            self._put(tx, f"staff.{role}.failures", "0")
            self._put(tx, f"staff.{role}.next_try", "0")
            audit.append(self.store, by, "set_staff_pin", {"role": role}, conn=tx)

    def seconds_to_wait(self, role: str) -> int:
        until = float(self._get(f"staff.{_role(role)}.next_try") or 0)
        return max(0, int(until - self.clock() + 0.999))

    def check(self, role: str, pin: str) -> bool:
        """True for the right PIN. Raises StaffLocked while the wait after wrong entries runs
        (such an early entry is not checked and does not count)."""
        role = _role(role)
        left = self.seconds_to_wait(role)
        if left:
            raise StaffLocked(left)
        stored = self._get(f"staff.{role}.pin")
        ok = False
        if stored is not None:
            pepper = None
            if stored.startswith(FORMAT + "$"):
                try:
                    pepper = self._pepper()
                except SecretError as exc:
                    log.warning("staff PIN not checked: the keyring failed (%s)", type(exc).__name__)
                    return False
                if pepper is None:  # nothing to compare against: not the citizen's fault either
                    log.warning("staff PIN not checked: no staff PIN pepper in the keyring")
                    return False
            ok = verify_pin(stored, pin, pepper)
        with self.store.transaction() as tx:
            if ok:
                self._put(tx, f"staff.{role}.failures", "0")
                self._put(tx, f"staff.{role}.next_try", "0")
                audit.append(self.store, role, "enter_mode", {"role": role}, conn=tx)
                return True
            failures = int(self._get(f"staff.{role}.failures") or 0) + 1
            wait = wait_after(failures)
            self._put(tx, f"staff.{role}.failures", str(failures))
            self._put(tx, f"staff.{role}.next_try", str(self.clock() + wait))
            audit.append(
                self.store, "system", "staff_pin_wrong", {"role": role, "failures": failures, "wait_s": wait}, conn=tx
            )
        return False


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown staff role {role!r}")
    return role
