"""`kiosk staff-pin status | set ROLE`: the clerk's and the technician's PINs, set at install time.

A PIN is read twice from a prompt without echo (or one line from stdin, for scripts), never
from the command line, never printed or logged; it is stored as a salted scrypt hash in the
kiosk's database and the change goes into the audit chain (kiosk.ui.staff_auth). The
screens never create a PIN themselves: a fresh kiosk has no staff mode until this is run.
Exit: 0 done, 1 `status` found a role without a PIN, 2 bad input.
"""

from __future__ import annotations

import getpass
import json
import sys

from kiosk.ui.staff_auth import MAX_PIN, MIN_PIN, ROLES

LABELS = {"clerk": "窓口係員 / clerk", "technician": "技術者 / technician"}


def add_parser(sub) -> None:
    p = sub.add_parser("staff-pin", help="係員・技術者の暗証番号 / the clerk's and technician's PINs")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    status = verbs.add_parser("status", help="設定の有無とロック / which roles have a PIN, and lock-outs")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    put = verbs.add_parser("set", help="暗証番号を設定（表示されない入力） / set a PIN (hidden prompt or stdin)")
    put.add_argument("role", choices=ROLES)
    put.add_argument("--replace", action="store_true", help="change a PIN that is already set")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.store import Store
    from kiosk.ui.staff_auth import StaffAuth

    args.cfg.store_path.parent.mkdir(parents=True, exist_ok=True)
    with Store(args.cfg.store_path) as store:
        staff = StaffAuth(store)
        return _status(args, staff) if args.verb == "status" else _set(args, staff)


def _status(args, staff) -> int:
    rows = [{"role": role, "pin_set": staff.has_pin(role), "locked_s": staff.seconds_locked(role)} for role in ROLES]
    ok = all(r["pin_set"] for r in rows)
    if args.json:
        print(json.dumps({"roles": rows, "ok": ok}))
    else:
        for row in rows:
            state = "設定済み / set" if row["pin_set"] else "未設定 / not set"
            lock = f"  ロック中 / locked {row['locked_s']} s" if row["locked_s"] else ""
            print(f"  {LABELS[row['role']]:<28} {state}{lock}")
        if not ok:
            print("設定: kiosk staff-pin set clerk / technician", file=sys.stderr)
    return 0 if ok else 1


def _set(args, staff) -> int:
    from kiosk.cli import UsageError

    if staff.has_pin(args.role) and not args.replace:
        raise UsageError(
            f"{args.role} の暗証番号は設定済み。変更するなら --replace / already set; add --replace to change it"
        )
    pin = _read_pin(args.role)
    try:
        staff.set_pin(args.role, pin, by="technician")
    except ValueError:
        raise UsageError(
            f"暗証番号は {MIN_PIN}〜{MAX_PIN} 桁の数字 / a staff PIN has {MIN_PIN} to {MAX_PIN} digits"
        ) from None
    finally:
        del pin
    print(f"設定しました / PIN set for {LABELS[args.role]}")
    return 0


def _read_pin(role: str) -> str:
    from kiosk.cli import UsageError

    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"{LABELS[role]} の暗証番号 / PIN ({MIN_PIN}-{MAX_PIN} digits): ")
        again = getpass.getpass("もう一度 / again: ")
        if first != again:
            raise UsageError("2回の入力が違います / the two entries differ")
        return first
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()
