"""`kiosk demo`: the kiosk on virtual cards, the real pcscd and the cloud simulator.

`kiosk demo` opens the kiosk window with a demo panel (virtual cards on the one reader)
when a display is available; with no display it walks the whole flow through the window
offscreen, prints what happened and saves a PNG of every screen. `--headless --shots DIR`
does that walk-through on purpose; `--headless [--json]` runs one exchange through the
engine alone. `kiosk demo replay` replays the original experiment month by month and
prints the monthly report over it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from kiosk_demo.card_profiles import PROFILES

DEMO_POINTS = 500


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="デモ (仮想カード + クラウドシミュレータ) / demo on virtual cards")
    p.add_argument("--headless", action="store_true", help="no window: walk the flow and print what happens")
    p.add_argument("--json", action="store_true", help="print one JSON object with the exchange's figures")
    p.add_argument("--state", type=Path, metavar="DIR", help="demo folder (default: the data directory's demo/)")
    p.add_argument("--points", type=int, default=DEMO_POINTS, help=f"points to exchange (default {DEMO_POINTS})")
    p.add_argument(
        "--first-time",
        action="store_true",
        help="headless: a citizen with no MyKey ID yet and 3,000 reserved points (set up, then exchanged)",
    )
    p.add_argument("--shots", metavar="DIR", type=Path, help="walk the screens offscreen and save a PNG of each")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size of the walk-through (1280x800)")
    p.add_argument(
        "--card-profile",
        choices=list(PROFILES),
        default="ideal",
        help="how the virtual cards behave (docs/virtual-cards.md); the panel can switch it",
    )
    verbs = p.add_subparsers(dest="demo_verb", metavar="VERB")
    replay = verbs.add_parser("replay", help="replay the 2017-2019 experiment and print its monthly report")
    replay.add_argument("--state", type=Path, metavar="DIR", dest="replay_state", help="replay folder (fresh)")
    replay.add_argument("--json", action="store_true", dest="replay_json", help="print the report as JSON")
    p.set_defaults(func=run, needs_config=False)


def _state(path: Path | None, name: str) -> Path:
    from kiosk.config import data_dir

    return path or data_dir() / name


def run(args) -> int:
    from kiosk.cli import UsageError

    if args.demo_verb == "replay":
        return _replay(args)
    if args.points < 1:
        raise UsageError(f"ポイントは1以上 / --points must be 1 or more, got {args.points}")
    if args.json or args.first_time or (args.headless and not args.shots):
        return _one_exchange(args)
    return _gui(args)


def _gui(args) -> int:
    """The window (with a display), else the offscreen walk-through with screenshots."""
    from kiosk.cli import UsageError
    from kiosk_demo.commands import demo_gui

    say = lambda text: print(text, flush=True)  # noqa: E731
    state = _state(args.state, "demo")
    try:
        if not args.headless and not args.shots and demo_gui.has_display():
            return demo_gui.run_window(state, args.points, say, card_profile=_profile(args))
        if not args.shots:
            say("画面がないため、画面の流れをオフスクリーンで実行します / no display: walking the screens offscreen")
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        else:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        shots = args.shots or state / "shots"
        try:
            size = tuple(int(n) for n in args.size.lower().split("x"))
        except ValueError:
            size = ()
        if len(size) != 2:
            raise UsageError(f"--size は 幅x高さ / --size must be WIDTHxHEIGHT, got {args.size!r}")
        code = demo_gui.walk_through(state, args.points, shots, say, size=size, card_profile=_profile(args))
    except RuntimeError as exc:
        print(f"kiosk demo: デモを完了できませんでした / the demo could not finish: {exc}", file=sys.stderr)
        return 1
    say(f"状態フォルダ / state folder: {state} (次回はここから続きます / the next run continues here)")
    return code


def _profile(args):
    from kiosk.cli import UsageError
    from kiosk_demo import card_profiles

    try:
        return card_profiles.get(getattr(args, "card_profile", "ideal"))
    except ValueError as exc:  # a bad $KIOSK_CARD_TIME_SCALE
        raise UsageError(str(exc)) from None


def _one_exchange(args) -> int:
    from kiosk_demo.demo_run import DemoError, exchange, first_time_exchange, running_demo

    say = (lambda _: None) if args.json else (lambda text: print(text, flush=True))
    if not args.json:
        say("仮想カードで交換を1件実行します (画面なし) / running one exchange headless on virtual cards")
    try:
        with running_demo(_state(args.state, "demo"), say=say, card_profile=_profile(args)) as demo:
            if args.first_time:
                mynumber, breka = demo.first_timer()
                view, info = first_time_exchange(demo, mynumber, breka, say=say)
            else:
                mynumber, breka = demo.citizen(args.points)
                view, info = exchange(
                    demo,
                    mynumber,
                    breka,
                    args.points,
                    clerk="demo" if args.points > demo.cfg.get("rules", "clerk_threshold") else None,
                    say=say,
                )
            receipt = view.receipt
            if receipt is None:  # exchange() checked that it ended on the done screen
                raise DemoError("the exchange ended without a receipt")
            result = {
                "points_used": receipt.points_used,
                "fee": receipt.fee,
                "loaded": receipt.loaded,
                "card_balance_before": receipt.card_balance_before,
                "card_balance_after": receipt.card_balance_after,
                "cloud_usable_before": info["cloud_usable_before"],
                "cloud_usable_after": demo.usable(mynumber),
                "exchange_id": receipt.exchange_id,
                "record_id": receipt.record_id,
                "apdus": info["apdus"],
                "ms": info["ms"],
            }
            if args.first_time:
                result |= {"mykey_created": view.mykey_created, "reserved_assigned": receipt.reserved_assigned}
    except (DemoError, RuntimeError) as exc:
        print(f"kiosk demo: デモを完了できませんでした / the demo could not finish: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        say(f"精算レコード / settlement record: {result['record_id']}")
        say(
            f"状態フォルダ / state folder: {_state(args.state, 'demo')} (次回はここから続きます / the next run continues here)"
        )
    return 0


def _replay(args) -> int:
    from kiosk_demo.replay_run import run_replay

    state = _state(args.replay_state, "demo-replay")
    say = (lambda _: None) if args.replay_json else (lambda text: print(text, flush=True))
    try:
        report = run_replay(state, say=say)
    except RuntimeError as exc:
        print(f"kiosk demo replay: 再現できませんでした / the replay failed: {exc}", file=sys.stderr)
        return 1
    if args.replay_json:
        print(json.dumps(report, ensure_ascii=False))
    return 0
