"""The `kiosk` command line. COMMANDS below lists the product's sub-commands; the demo parts
(the kiosk-demo distribution) add theirs through the `kiosk.commands` entry points, so a
production install lists only verbs it can run.

Each command module provides `add_parser(subparsers)` (which sets `run` as the default
`func`) and keeps heavy imports inside its `run`, so `kiosk --version` stays instant.
Exit status: 0 success, 1 the operation failed, 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from importlib import metadata
from pathlib import Path

from kiosk import __version__

# name -> module; the order is the order of `kiosk --help`.
COMMANDS: dict[str, str] = {
    "quote": "kiosk.commands.quote",
    "config": "kiosk.commands.config_cmd",
    "outbox": "kiosk.commands.outbox",
    "report": "kiosk.commands.report",
    "doctor": "kiosk.commands.doctor",
    "secrets": "kiosk.commands.secrets_cmd",
    "staff-pin": "kiosk.commands.staff_pin",
    "staff": "kiosk.commands.staff",
    "exchanges": "kiosk.commands.exchanges",
    "run": "kiosk.commands.run",
}

# Verbs of the demo parts: named here only to say how to get them when they are absent.
DEMO_VERBS = ("cards", "demo", "cloud-sim", "bench")
DEMO_HINT = (
    "デモ部品が入っていません / the demo parts are not installed "
    "(from the source tree: pip install ./demo; make demo does it)"
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: printed on one line, exit status 2."""


def build_parser(
    verb: str | None = None, plugins: dict[str, metadata.EntryPoint] | None = None
) -> argparse.ArgumentParser:
    """All verbs; the demo parts' modules are imported only when `verb` is one of theirs or
    no verb is given (help), so a product verb never loads any of them."""
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
    plugins = plugin_commands() if plugins is None else plugins
    for name in sorted(plugins):
        if verb is None or verb == name or verb not in COMMANDS:
            plugins[name].load().add_parser(sub)
    missing = [verb for verb in DEMO_VERBS if verb not in plugins]
    if missing:
        parser.epilog = f"{', '.join(missing)}: {DEMO_HINT}"
    return parser


def plugin_commands() -> dict[str, metadata.EntryPoint]:
    """Verbs other installed distributions add (the demo parts), by name."""
    return {ep.name: ep for ep in metadata.entry_points(group="kiosk.commands") if ep.name not in COMMANDS}


def first_verb(argv: list[str]) -> str | None:
    """The sub-command named in argv (skipping the global options and their values)."""
    takes_value = ("--config", "--log-level")
    rest = iter(argv)
    for word in rest:
        if word in takes_value:
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return None


def use_demo_keyring(path: Path) -> None:
    """Demo and training only: the demo folder's keyring file instead of the OS keyring,
    provided by the demo parts (the product imports nothing of them)."""
    hooks = [ep for ep in metadata.entry_points(group="kiosk.keyrings") if ep.name == "demo-file"]
    if not hooks:
        raise UsageError(f"KIOSK_DEMO_KEYRING: {DEMO_HINT}")
    hooks[0].load()(path)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    verb = first_verb(argv)
    plugins = plugin_commands()  # one look at the installed entry points per run
    if verb in DEMO_VERBS and verb not in plugins:
        print(f"kiosk {verb}: {DEMO_HINT}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(verb, plugins)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from kiosk import config as config_mod
    from kiosk.log import setup_logging

    try:
        demo_keyring = os.environ.get("KIOSK_DEMO_KEYRING")
        if demo_keyring:
            use_demo_keyring(Path(demo_keyring))
        if getattr(args, "needs_config", True):
            args.cfg = config_mod.load(args.config)
            setup_logging(
                args.log_level or args.cfg.get("log", "level"), args.traffic or args.cfg.get("log", "traffic")
            )
        else:
            setup_logging(args.log_level or "WARNING", args.traffic)
        return int(args.func(args) or 0)
    except (UsageError, config_mod.ConfigError) as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure is one line with exit 1, never a traceback
        return _failed(args.command, exc)


def _failed(command: str, exc: Exception) -> int:
    import logging
    import sqlite3

    from kiosk.store import StoreError

    logging.getLogger("kiosk.cli").debug("kiosk %s failed", command, exc_info=exc)
    if isinstance(exc, StoreError):
        what = "データベースを使えません / the kiosk database cannot be used"
    elif isinstance(exc, sqlite3.Error):
        what = "データベースに書けません（ディスク・権限を確認） / the kiosk database failed (check disk space and permissions)"
    elif isinstance(exc, OSError):
        what = "ファイルを読み書きできません / a file or folder cannot be used"
    else:
        what = "予期しないエラー / unexpected error"
    text = " ".join(str(exc).split())[:500] or type(exc).__name__
    print(f"kiosk {command}: {what}: {text}", file=sys.stderr)
    return EXIT_FAILED
