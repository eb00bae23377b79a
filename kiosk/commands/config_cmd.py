"""`kiosk config path|show|check`: where the configuration is and what it says."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("config", help="設定の確認 / show or check the configuration")
    p.add_argument(
        "action",
        choices=["path", "show", "check"],
        help="path: file used; show: effective values; check: validate and exit 0/2",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.config import default_path, render_toml

    cfg = args.cfg
    if args.action == "path":
        print(cfg.path or f"{default_path()} (not present: defaults in use)")
    elif args.action == "show":
        print(f"# {cfg.path or 'defaults (no configuration file)'}")
        print(render_toml(cfg.values), end="")
    else:
        print(f"ok: {cfg.path or 'defaults'}")
    return 0
