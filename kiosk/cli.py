"""The `kiosk` command line. COMMANDS below is the one place that lists every sub-command.

Each command module provides `add_parser(subparsers)` (which sets `run` as the default
`func`) and keeps heavy imports inside its `run`, so `kiosk --version` stays instant.
Exit status: 0 success, 1 the operation failed, 2 bad input or configuration.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from kiosk import __version__

# name -> module; the order is the order of `kiosk --help`.
COMMANDS: dict[str, str] = {
    "quote": "kiosk.commands.quote",
    "config": "kiosk.commands.config_cmd",
    "cards": "kiosk.commands.cards",
    "demo": "kiosk.commands.demo",
    "cloud-sim": "kiosk.commands.cloud_sim",
    "outbox": "kiosk.commands.outbox",
    "report": "kiosk.commands.report",
    "doctor": "kiosk.commands.doctor",
    "secrets": "kiosk.commands.secrets_cmd",
    "staff-pin": "kiosk.commands.staff_pin",
    "exchanges": "kiosk.commands.exchanges",
    "bench": "kiosk.commands.bench",
    "run": "kiosk.commands.run",
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: printed on one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="ポイント交換カウンター端末 / counter kiosk: experiment points → Breka points",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", metavar="PATH", help="configuration file (default: the platform's config dir)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="override log.level")
    parser.add_argument("--traffic", action="store_true", help="log every APDU (PIN data redacted)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from kiosk import config as config_mod
    from kiosk.log import setup_logging

    demo_keyring = os.environ.get("KIOSK_DEMO_KEYRING")
    if demo_keyring:  # demo and training only: the demo folder's keyring file instead of the OS keyring
        from kiosk.sim.demo_keyring import use_demo_keyring

        use_demo_keyring(Path(demo_keyring))
    try:
        if getattr(args, "needs_config", True):
            args.cfg = config_mod.load(args.config)
            setup_logging(args.log_level or args.cfg.get("log", "level"),
                          args.traffic or args.cfg.get("log", "traffic"))
        else:
            setup_logging(args.log_level or "WARNING", args.traffic)
        return int(args.func(args) or 0)
    except (UsageError, config_mod.ConfigError) as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
