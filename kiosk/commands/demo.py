"""`kiosk demo`: the whole kiosk on virtual cards and the cloud simulator.

Not built yet (issues: exchange, screens). Until then it says so and fails, so that
`make demo` never pretends.
"""
from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="デモ (仮想カード + クラウドシミュレータ) / demo on virtual cards")
    p.add_argument("--headless", action="store_true", help="walk the flow offscreen")
    p.add_argument("--shots", metavar="DIR", help="save a PNG of every screen (with --headless)")
    p.set_defaults(func=run)


def run(args) -> int:
    print("kiosk demo: デモはまだ実装されていません (交換処理と画面の実装待ち) / "
          "the demo does not exist yet: it waits for the exchange and the screens", file=sys.stderr)
    return 1
