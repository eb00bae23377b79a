"""`kiosk quote POINTS [--json]`: what P experiment points become at the counter."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("quote", help="手数料と積み増しポイントの計算 / fee and Breka points for P points")
    p.add_argument("points", help="experiment points to exchange (a positive whole number)")
    p.add_argument("--json", action="store_true", help='print {"points_used", "fee", "loaded"}')
    p.set_defaults(func=run, needs_config=False)


def run(args) -> int:
    from kiosk.cli import UsageError
    from kiosk.rules import AmountError, parse_points, quote

    try:
        points = parse_points(args.points)
    except AmountError as exc:
        raise UsageError(str(exc)) from exc
    q = quote(points)
    if args.json:
        print(json.dumps(q.as_dict()))
    else:
        print(f"交換ポイント / points used : {q.points_used:>12,}")
        print(f"手数料 (1/11) / fee        : {q.fee:>12,}")
        print(f"ブレカポイント / loaded    : {q.loaded:>12,}")
    return 0
