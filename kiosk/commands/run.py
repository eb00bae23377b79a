"""`kiosk run`: the counter kiosk itself (the window over the configured reader and cloud)."""
from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="端末を起動 / start the kiosk window")
    p.add_argument("--fullscreen", action="store_true", help="full screen (default: ui.fullscreen)")
    p.add_argument("--language", choices=["ja", "en"], help="start language (default: ui.language)")
    p.set_defaults(func=run)


def run(args) -> int:
    from kiosk.app import build
    from kiosk.ui.app import Kiosk
    from kiosk.ui.window import UiSettings

    settings = UiSettings.from_config(args.cfg)
    settings.fullscreen = settings.fullscreen or args.fullscreen
    settings.language = args.language or settings.language
    from kiosk.secrets import SecretError

    try:
        parts = build(args.cfg)
    except SecretError as exc:
        print(f"kiosk run: 端末の鍵が未設定です / the kiosk is not provisioned: {exc}")
        return 2
    kiosk = Kiosk(args.cfg, parts, settings=settings)
    try:
        kiosk.start()
        return int(kiosk.app.exec())
    finally:
        kiosk.stop()
        parts.close()
