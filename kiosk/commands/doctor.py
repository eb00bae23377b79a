"""`kiosk doctor [--json]`: one line per check of the office PC, with a fix hint.

Checks (kiosk.diagnostics): PC/SC service, readers, another program holding the reader,
the card on it, cloud reachable, terminal credentials, clock skew, keyring, secrets,
database, open exchanges, outbox backlog, Japanese font. Nothing is changed and no PIN
is ever verified. Exit 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("doctor", help="設置・接続の診断 / diagnose the reader, card, cloud, keys and database")
    p.add_argument("--json", action="store_true", help='machine-readable: {"checks": [{name, ok, detail, hint}]}')
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.diagnostics import Environment, run_all

    results = run_all(Environment(args.cfg))
    if args.json:
        print(json.dumps({"checks": [r.as_dict() for r in results]}, ensure_ascii=False))
    else:
        for r in results:
            line = f"[{'OK' if r.ok else 'NG'}] {r.name}: {r.detail}"
            if not r.ok and r.hint:
                line += f" → {r.hint}"
            print(line)
        failed = [r.name for r in results if not r.ok]
        print(f"問題 {len(failed)} 件 / {len(failed)} problems" + (f": {', '.join(failed)}" if failed else ""))
    return 0 if all(r.ok for r in results) else 1
