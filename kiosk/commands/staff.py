"""`kiosk staff list | add ID --name NAME --role ROLE | set-pin ID | disable ID`: staff by name.

Each clerk and technician gets an account with a PIN of their own (kiosk.ui.staff_accounts),
so the audit chain names who did what. The PIN is read like `kiosk staff-pin set`'s: twice
from a prompt without echo, or one line on stdin (scripts); never from argv, never printed.
A kiosk set up with the shared role PINs (`kiosk staff-pin`) keeps them until the role's
first named account is added; `list` says which is in use.
Exit: 0 done, 1 the keyring failed, 2 bad input.
"""

from __future__ import annotations

import json
import sys

from kiosk.ui.staff_auth import ROLES

ROLE_TEXT = {"clerk": "窓口係員 / clerk", "technician": "技術者 / technician"}


def add_parser(sub) -> None:
    p = sub.add_parser("staff", help="係員の名簿と個人の暗証番号 / staff accounts with their own PINs")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="名簿 / list the accounts (and whether a shared PIN is still in use)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--all", action="store_true", help="include disabled accounts")
    add = verbs.add_parser("add", help="係員を追加し暗証番号を設定 / add a person and set their PIN")
    add.add_argument("staff_id", help="short id, a-z 0-9 . _ - (kept in the audit chain)")
    add.add_argument("--name", required=True, help="display name shown at the PIN screen")
    add.add_argument("--role", choices=ROLES, default="clerk")
    pin = verbs.add_parser("set-pin", help="暗証番号を設定・変更 / set or change a person's PIN")
    pin.add_argument("staff_id")
    off = verbs.add_parser("disable", help="無効にする（記録は残る） / disable an account (kept for the audit chain)")
    off.add_argument("staff_id")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.store import Store
    from kiosk.ui.staff_accounts import StaffAccounts

    args.cfg.store_path.parent.mkdir(parents=True, exist_ok=True)
    with Store(args.cfg.store_path) as store:
        accounts = StaffAccounts(store)
        if args.verb == "list":
            return _list(args, accounts)
        return _change(args, accounts)


def _list(args, accounts) -> int:
    people = accounts.people(include_disabled=args.all)
    shared = {role: bool(accounts.choices(role)) and accounts.choices(role)[0].shared for role in ROLES}
    if args.json:
        rows = [
            {"staff_id": p.staff_id, "name": p.display_name, "role": p.role, "active": p.active, "pin_set": p.has_pin}
            for p in people
        ]
        print(json.dumps({"staff": rows, "shared_pin_in_use": shared}, ensure_ascii=False))
        return 0
    if not people:
        print("名簿は空です / no staff accounts")
    for p in people:
        state = "" if p.active else "  無効 / disabled"
        pin = "" if p.has_pin else "  暗証番号なし / no PIN"
        print(f"  {p.staff_id:<16} {p.display_name:<20} {ROLE_TEXT[p.role]}{pin}{state}")
    for role, in_use in shared.items():
        if in_use:
            print(
                f"{ROLE_TEXT[role]}: 共通の暗証番号を使用中。個人ごとに `kiosk staff add` で登録してください / "
                f"the shared {role} PIN is in use: add each person with `kiosk staff add` "
                "(the shared PIN is then no longer offered)",
                file=sys.stderr,
            )
    return 0


def _change(args, accounts) -> int:
    from kiosk.cli import UsageError
    from kiosk.commands.staff_pin import _read_pin
    from kiosk.secrets import SecretError
    from kiosk.ui.staff_auth import MAX_PIN, MIN_PIN

    try:
        if args.verb == "add":
            person = accounts.add(args.staff_id, args.name, args.role, by="technician")
        elif args.verb == "disable":
            accounts.disable(args.staff_id, by="technician")
            print(f"無効にしました / disabled {args.staff_id}")
            return 0
        else:
            person = accounts.get(args.staff_id)
    except KeyError:
        raise UsageError(f"その係員はいません / no staff account {args.staff_id!r}") from None
    except ValueError as exc:
        raise UsageError(f"登録できません / cannot add: {exc}") from None
    pin = _read_pin(person.role)
    try:
        accounts.set_pin(person.staff_id, pin, by="technician")
    except ValueError:
        raise UsageError(
            f"暗証番号は {MIN_PIN}〜{MAX_PIN} 桁の数字 / a staff PIN has {MIN_PIN} to {MAX_PIN} digits"
            + (f"; {person.staff_id} is added without a PIN: `kiosk staff set-pin {person.staff_id}`")
        ) from None
    except SecretError as exc:
        print(f"キーリングを使えません / keyring failed: {exc}", file=sys.stderr)
        return 1
    finally:
        del pin
    print(f"設定しました / PIN set for {person.display_name} ({person.staff_id}, {person.role})")
    return 0
