"""`kiosk staff-pin status | set ROLE`: the clerk's and the technician's PINs, set at install time.

A PIN (6 to 12 digits) is read twice from a prompt without echo (or one line from stdin, for
scripts), never from the command line, never printed or logged; it is stored as a peppered,
salted scrypt hash in the kiosk's database (the pepper lives in the keyring and is made by the
first `set`) and the change goes into the audit chain (kiosk.ui.staff_auth). The screens never
create a PIN themselves: a fresh kiosk has no staff mode until this is run.
`status` also names PINs to re-set: old unpeppered hashes (maybe 4 digits), and peppered ones
whose pepper the keyring no longer has.
Exit: 0 done, 1 `status` found a role without a usable PIN (or the keyring failed), 2 bad input.
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
    status = verbs.add_parser("status", help="設定の有無と待ち時間 / which roles have a PIN, which to re-set, waits")
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


STATE_TEXT = {
    "absent": "未設定 / not set",
    "ok": "設定済み / set",
    "legacy": "要再設定（旧形式・ペッパーなし） / re-set needed (old, unpeppered hash)",
    "no_pepper": "要再設定（キーリングにペッパーなし） / re-set needed (pepper missing from the keyring)",
    "wrong_pepper": "要再設定（ペッパーが別物） / re-set needed (the keyring's pepper is a different one)",
    "keyring_failed": "確認不可（キーリング不可） / cannot tell: the keyring failed",
    "unknown": "要再設定（不明な形式） / re-set needed (unknown format)",
}


def _status(args, staff) -> int:
    rows = []
    for role in ROLES:
        state = staff.pin_state(role)
        rows.append(
            {
                "role": role,
                "pin_set": state != "absent",
                "state": state,
                "needs_reset": state not in ("ok", "absent", "keyring_failed"),
                "wait_s": staff.seconds_to_wait(role),
            }
        )
    from kiosk.ui.staff_accounts import StaffAccounts

    named = {role: any(not p.shared for p in StaffAccounts(staff.store).choices(role)) for role in ROLES}
    for row in rows:
        row["named_accounts"] = named[row["role"]]  # then the shared PIN is neither needed nor offered
    ok = all(r["state"] == "ok" or (r["state"] == "absent" and r["named_accounts"]) for r in rows)
    if args.json:
        print(json.dumps({"roles": rows, "ok": ok}))
    else:
        for row in rows:
            wait = f"  次の入力まで / next try in {row['wait_s']} s" if row["wait_s"] else ""
            print(f"  {LABELS[row['role']]:<28} {STATE_TEXT[row['state']]}{wait}")
        for row in rows:
            if row["named_accounts"]:
                print(f"  {LABELS[row['role']]:<28} 個人の暗証番号を使用 / named accounts (kiosk staff list)")
        todo = [
            r["role"]
            for r in rows
            if r["state"] not in ("ok", "keyring_failed") and not (r["state"] == "absent" and r["named_accounts"])
        ]
        for role in todo:
            flag = " --replace" if staff.has_pin(role) else ""
            print(f"設定 / set: kiosk staff-pin set {role}{flag}", file=sys.stderr)
        if any(r["state"] == "keyring_failed" for r in rows):
            print("キーリングを使えません / the keyring failed: see `kiosk doctor`", file=sys.stderr)
    return 0 if ok else 1


def _set(args, staff) -> int:
    from kiosk.cli import UsageError
    from kiosk.secrets import SecretError

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
    except SecretError as exc:  # the pepper could not be read or kept: nothing was stored
        print(f"キーリングを使えません / keyring failed: {exc}", file=sys.stderr)
        return 1
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
