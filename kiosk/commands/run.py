"""`kiosk run`: the counter kiosk itself (the window over the configured reader and cloud).

A kiosk that is not set up yet (no keys, no staff PINs, no database, cloud unreachable)
starts anyway and shows the out-of-service screen naming the failing checks; it starts
the counter as soon as they pass. `--smoke-test` shows the first screen, prints what it
says as one JSON line and exits: how a technician (and the installed-product tests) see
that an install can open its screens.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.app import Parts
    from kiosk.ui.app import Kiosk
    from kiosk.ui.i18n import Languages
    from kiosk.ui.out_of_service import OutOfServiceWindow

# What must pass before citizens are served; the reader may still be plugged in later.
STARTUP_MODULES = (
    "kiosk.diagnostics.keyring_checks",
    "kiosk.diagnostics.store_checks",
    "kiosk.diagnostics.cloud_checks",
)
BLOCKING = ("keyring", "secrets", "database", "staff_pins", "cloud_reachable", "cloud_credentials")


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="端末を起動 / start the kiosk window")
    p.add_argument("--fullscreen", action="store_true", help="full screen (default: ui.fullscreen)")
    p.add_argument("--language", choices=["ja", "en"], help="start language (default: ui.language)")
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="show the first screen, print its texts as JSON and exit (installation check)",
    )
    p.set_defaults(func=run)


def startup_problems(cfg) -> list:
    from kiosk.diagnostics import Environment, run_all

    results = run_all(Environment(cfg), STARTUP_MODULES)
    return [r for r in results if not r.ok and r.name in BLOCKING]


def run(args) -> int:
    from kiosk import qt_binding

    bad = qt_binding.problem()
    if bad:  # before Qt loads: this binding would abort the kiosk after hours at the counter
        print(f"kiosk run: 使えない Qt / unusable Qt binding: {bad}", file=sys.stderr)
        return 2
    from kiosk.ui.app import qt_app
    from kiosk.ui.window import UiSettings

    settings = UiSettings.from_config(args.cfg)
    settings.fullscreen = settings.fullscreen or args.fullscreen
    settings.language = args.language or settings.language
    app = qt_app()
    counter = Counter(args.cfg, settings, smoke=args.smoke_test)
    problems = startup_problems(args.cfg)
    if problems:
        counter.out_of_service(problems)
    else:
        counter.start()
    try:
        # Both first screens are shown before start() returns: a smoke test is done here. (An
        # exit() queued before exec() runs is dropped by Qt, and the counter never ended.)
        return 0 if args.smoke_test else int(app.exec())
    finally:
        counter.stop()


class Counter:
    """The counter's life in `kiosk run`: out of service until the checks pass, then the kiosk."""

    def __init__(self, cfg, settings, smoke: bool = False):
        self.cfg, self.settings, self.smoke = cfg, settings, smoke
        self.kiosk: Kiosk | None = None
        self.parts: Parts | None = None
        self.oos: OutOfServiceWindow | None = None
        self._languages: Languages | None = None

    def out_of_service(self, problems) -> None:
        from kiosk.ui.app import qt_app
        from kiosk.ui.i18n import Languages
        from kiosk.ui.out_of_service import OutOfServiceWindow

        self._languages = Languages(qt_app())
        self._languages.use(self.settings.language)
        self.oos = OutOfServiceWindow(
            lambda: startup_problems(self.cfg),
            self.start,
            self._technician_pin,
            problems,
            fullscreen=self.settings.fullscreen,
        )
        self.oos.start()
        self._shown("out_of_service", self.oos.visible_texts(), [p.name for p in problems])

    def _technician_pin(self, pin: str) -> bool:
        from kiosk.store import Store, StoreError
        from kiosk.ui.staff_auth import StaffLocked

        try:
            store = Store(self.cfg.store_path)
        except (StoreError, OSError):
            return False
        try:
            from kiosk.ui.staff_accounts import StaffAccounts

            # The shared technician PIN, or (named technicians) each one's: this window asks no name.
            accounts = StaffAccounts(store)
            return any(accounts.check(p.staff_id, pin, "technician") for p in accounts.choices("technician"))
        except StaffLocked:
            return False
        finally:
            store.close()

    def start(self) -> None:
        from kiosk.app import build
        from kiosk.secrets import SecretError
        from kiosk.ui.app import Kiosk

        if self._languages is not None:
            self._languages.close()
            self._languages = None
        try:
            self.parts = build(self.cfg, background_commit=True)
        except SecretError as exc:  # a key vanished between the check and the start
            from kiosk.diagnostics import CheckResult

            self.out_of_service([CheckResult("secrets", False, str(exc))])
            return
        self.kiosk = kiosk = Kiosk(self.cfg, self.parts, settings=self.settings)
        kiosk.start(on_first_screen=lambda: self._shown(kiosk.window.current_page(), kiosk.window.visible_texts(), []))
        store = self.parts.store  # a copy of a large database must not hold the first screen back
        kiosk.worker.call("daily_backup", lambda _engine: _daily_backup(store))

    def _shown(self, screen: str, texts: list[str], problems: list[str]) -> None:
        if self.smoke:
            print(json.dumps({"screen": screen, "texts": texts, "problems": problems}, ensure_ascii=False), flush=True)

    def stop(self) -> None:
        if self.kiosk is not None:
            self.kiosk.stop()
        if self.parts is not None:
            self.parts.close()
        if self._languages is not None:
            self._languages.close()


def _daily_backup(store) -> None:
    """The first start of a day backs the database up; a failed backup must not stop the counter."""
    import logging

    from kiosk.store import backup

    try:
        made = backup.daily(store)
    except Exception:
        logging.getLogger(__name__).exception("daily database backup failed")
    else:
        if made:
            logging.getLogger(__name__).info("database backed up to %s", made)
            import threading

            # The full integrity check reads every page: on the copy, on a thread of its own,
            # so neither the counter nor `kiosk doctor` waits for it (docs/performance.md).
            threading.Thread(target=backup.check_copy, args=(store, made), name="integrity-check", daemon=True).start()
