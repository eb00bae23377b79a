"""Staff by name: each clerk and technician has an account (id, display name, role) with a PIN
of their own, so every clerk action in the audit chain names the person. Qt-free.

A PIN is hashed, peppered and slowed down exactly as the shared role PIN
(kiosk.ui.staff_auth: scrypt2 with the keyring's pepper; 6 to 12 digits; after wrong entries
a growing wait, per account, never a lock). Accounts are disabled, never deleted: the audit
chain keeps naming them.

Kiosks set up before named accounts keep working: while a role has no active account, its
shared PIN (`kiosk staff-pin set ROLE`) is offered as the one "person" of that role, whose id is
the role itself ("clerk" / "technician"). Once a named account of the role exists, the shared
PIN of that role is no longer offered (`kiosk staff list` says so).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.store import audit
from kiosk.ui.staff_auth import (
    FORMAT,
    MAX_PIN,
    MIN_PIN,
    ROLES,
    StaffAuth,
    StaffLocked,
    hash_pin,
    verify_pin,
    wait_after,
)

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
MAX_NAME = 40


@dataclass(frozen=True)
class Person:
    staff_id: str
    display_name: str
    role: str
    shared: bool = False  # the role's shared PIN of an older set-up, not a named account
    active: bool = True
    has_pin: bool = True


def required_text(value: str | None, what: str) -> str:
    """A reason or a name that must be given: blank (or only spaces) is refused."""
    value = (value or "").strip()
    if not value:
        raise ValueError(f"a {what} is required")
    return value


class StaffAccounts:
    def __init__(self, store, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock
        self.auth = StaffAuth(store, clock)  # the pepper and the shared role PINs

    # -- the accounts --------------------------------------------------------------------
    def people(self, role: str | None = None, *, include_disabled: bool = False) -> list[Person]:
        """Named accounts (of one role), by display name."""
        sql, args = "SELECT * FROM staff", []
        if role is not None:
            sql, args = sql + " WHERE role = ?", [_role(role)]
        rows = self.store.query(sql + " ORDER BY display_name, staff_id", tuple(args))
        found = [
            Person(r["staff_id"], r["display_name"], r["role"], active=bool(r["active"]), has_pin=r["pin"] is not None)
            for r in rows
        ]
        return found if include_disabled else [p for p in found if p.active]

    def choices(self, role: str) -> list[Person]:
        """Who may sign in for `role` now: its active accounts with a PIN, or, on a kiosk
        without any named account of that role, the role's shared PIN."""
        named = [p for p in self.people(role) if p.has_pin]
        if self.people(role):
            return named
        return [Person(role, role, role, shared=True)] if self.auth.has_pin(role) else []

    def get(self, staff_id: str) -> Person:
        for p in self.people(include_disabled=True):
            if p.staff_id == staff_id:
                return p
        raise KeyError(f"no staff account {staff_id!r}")

    def add(self, staff_id: str, display_name: str, role: str, *, by: str) -> Person:
        staff_id, role = staff_id.strip(), _role(role)
        if not ID_PATTERN.fullmatch(staff_id) or staff_id in ROLES:
            raise ValueError("a staff id is 2-32 of a-z 0-9 . _ - (not 'clerk' or 'technician')")
        display_name = required_text(display_name, "display name")
        if len(display_name) > MAX_NAME:
            raise ValueError(f"a display name has at most {MAX_NAME} characters")
        with self.store.transaction() as tx:
            if tx.execute("SELECT 1 FROM staff WHERE staff_id = ?", (staff_id,)).fetchone():
                raise ValueError(f"staff id {staff_id!r} exists already")
            tx.execute(
                "INSERT INTO staff(staff_id, display_name, role, created_at) VALUES (?,?,?,?)",
                (staff_id, display_name, role, _now()),
            )
            audit.append(self.store, by, "staff_added", {"staff_id": staff_id, "role": role}, conn=tx)
        return self.get(staff_id)

    def set_pin(self, staff_id: str, pin: str, *, by: str) -> None:
        """Raises ValueError for a PIN that is not MIN_PIN..MAX_PIN digits or an unknown id,
        SecretError when the keyring cannot give (or keep) the pepper."""
        if not (pin.isascii() and pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
            raise ValueError(f"a staff PIN has {MIN_PIN} to {MAX_PIN} digits")
        self.get(staff_id)
        with self.store.transaction() as tx:
            stored = hash_pin(pin, self.auth._pepper_or_new(by, tx))
            tx.execute("UPDATE staff SET pin = ?, failures = 0, next_try = 0 WHERE staff_id = ?", (stored, staff_id))
            audit.append(self.store, by, "set_staff_pin", {"staff_id": staff_id}, conn=tx)

    def disable(self, staff_id: str, *, by: str) -> None:
        self.get(staff_id)
        with self.store.transaction() as tx:
            tx.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", (staff_id,))
            audit.append(self.store, by, "staff_disabled", {"staff_id": staff_id}, conn=tx)

    # -- signing in ----------------------------------------------------------------------
    def seconds_to_wait(self, staff_id: str) -> int:
        if staff_id in ROLES:
            return self.auth.seconds_to_wait(staff_id)
        rows = self.store.query("SELECT next_try FROM staff WHERE staff_id = ?", (staff_id,))
        until = float(rows[0]["next_try"]) if rows else 0.0
        return max(0, int(until - self.clock() + 0.999))

    def check(self, staff_id: str, pin: str, role: str) -> bool:
        """True for the person's right PIN (for that role). Raises StaffLocked while the wait
        after wrong entries runs. A shared role PIN is checked by StaffAuth as before."""
        if staff_id in ROLES:
            if staff_id != role or any(p.staff_id != role for p in self.choices(role)):
                return False  # the shared PIN is not offered once the role has named accounts
            return self.auth.check(role, pin)
        left = self.seconds_to_wait(staff_id)
        if left:
            raise StaffLocked(left)
        rows = self.store.query("SELECT * FROM staff WHERE staff_id = ?", (staff_id,))
        row = rows[0] if rows else None
        ok = False
        if row is not None and row["active"] and row["role"] == role and row["pin"] is not None:
            pepper = None
            if str(row["pin"]).startswith(FORMAT + "$"):
                try:
                    pepper = self.auth._pepper()
                except Exception:  # noqa: BLE001 - the keyring failed: not the person's fault
                    return False
                if pepper is None:
                    return False
            ok = verify_pin(row["pin"], pin, pepper)
        with self.store.transaction() as tx:
            if ok:
                tx.execute("UPDATE staff SET failures = 0, next_try = 0 WHERE staff_id = ?", (staff_id,))
                audit.append(self.store, role, "enter_mode", {"role": role, "staff_id": staff_id}, conn=tx)
                return True
            if row is None:
                audit.append(self.store, "system", "staff_pin_wrong", {"staff_id": staff_id, "unknown": True}, conn=tx)
                return False
            failures = int(row["failures"]) + 1
            wait = wait_after(failures)
            tx.execute(
                "UPDATE staff SET failures = ?, next_try = ? WHERE staff_id = ?",
                (failures, self.clock() + wait, staff_id),
            )
            audit.append(
                self.store,
                "system",
                "staff_pin_wrong",
                {"staff_id": staff_id, "role": role, "failures": failures, "wait_s": wait},
                conn=tx,
            )
        return False


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown staff role {role!r}")
    return role


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
