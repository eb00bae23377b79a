"""`kiosk cards issue|serve KIND`: make virtual cards and put them in the vpcd reader.

For the demo, training and tests. A kind module (listed in KINDS) provides:
  add_issue_arguments(parser)   extra options for `issue`
  issue(args) -> int            create the card's state file, print its identifier
  open_card(state_path)         the VirtualCard for that state file (persists itself)
"""

from __future__ import annotations

import importlib
import signal
import sys
from pathlib import Path

from kiosk_demo.card_profiles import PROFILES

KINDS: dict[str, str] = {
    "probe": "kiosk_demo.commands.cards_probe",
    "mynumber": "kiosk_demo.commands.cards_mynumber",
    "breka": "kiosk_demo.commands.cards_breka",
}


def add_parser(sub) -> None:
    p = sub.add_parser("cards", help="仮想カードの発行と挿入 / issue and serve virtual cards (demo, training)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    issue = verbs.add_parser("issue", help="create a virtual card's state file")
    issue_kinds = issue.add_subparsers(dest="kind", metavar="KIND", required=True)
    serve = verbs.add_parser("serve", help="put a virtual card in the vpcd reader until stopped")
    serve_kinds = serve.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, module_name in KINDS.items():
        module = importlib.import_module(module_name)
        if module.__doc__ is None:
            raise RuntimeError(f"{module_name} has no docstring (its first line is the command's help)")
        ip = issue_kinds.add_parser(kind, help=module.__doc__.splitlines()[0])
        ip.add_argument("--state", required=True, type=Path, metavar="FILE", help="card state file to create")
        module.add_issue_arguments(ip)
        ip.set_defaults(func=module.issue, needs_config=False)
        sp = serve_kinds.add_parser(kind, help=f"serve a {kind} card to pcscd through vpcd")
        sp.add_argument("--state", required=True, type=Path, metavar="FILE", help="card state file")
        sp.add_argument("--host", default="127.0.0.1", help="where vpcd listens (default 127.0.0.1)")
        sp.add_argument("--port", type=int, default=35963, help="vpcd port: 35963 first slot, 35964 second")
        sp.add_argument("--remove-after", type=int, metavar="N", help="remove the card at the N-th APDU")
        sp.add_argument(
            "--remove-mode",
            choices=["before", "after"],
            default="before",
            help="before: the card never acts on APDU N; after: it acts, the answer is lost",
        )
        sp.add_argument(
            "--profile",
            choices=list(PROFILES),
            default="ideal",
            help="how the card behaves: ideal, contact-t0 (61xx/6Cxx), contactless (real timing), "
            "slow-reader (long latency, drop-outs); see docs/virtual-cards.md",
        )
        sp.add_argument(
            "--time-scale",
            type=float,
            metavar="X",
            help="multiply the profile's times (default $KIOSK_CARD_TIME_SCALE or 1)",
        )
        sp.set_defaults(func=serve_card, open_card=module.open_card, needs_config=False)


def serve_card(args) -> int:
    from kiosk.cli import UsageError
    from kiosk_demo import card_profiles
    from kiosk_demo.vpcd import VpcdLink

    if args.remove_after is not None and args.remove_after < 1:
        raise UsageError(f"--remove-after counts APDUs from 1, got {args.remove_after}")
    if args.time_scale is not None and args.time_scale < 0:
        raise UsageError(f"--time-scale must be >= 0, got {args.time_scale}")
    try:
        profile = card_profiles.get(args.profile, args.time_scale)
    except ValueError as exc:  # a bad $KIOSK_CARD_TIME_SCALE
        raise UsageError(str(exc)) from None
    if not args.state.exists():
        raise UsageError(f"{args.state}: no such card state file; create it with `kiosk cards issue {args.kind}`")
    card = args.open_card(args.state)
    link = VpcdLink(card, args.host, args.port, args.remove_after, args.remove_mode, profile)
    try:
        link.connect(timeout=5.0)
    except ConnectionError as exc:
        print(f"kiosk cards serve: {exc}", file=sys.stderr)
        return 1

    def stop(_sig, _frame):
        link.close()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        f"{args.kind} card inserted (vpcd {args.host}:{args.port}, profile {args.profile}); Ctrl-C removes it",
        flush=True,
    )
    outcome = link.serve()
    drops = f", {link.drop_outs} drop-outs" if link.drop_outs else ""
    print(f"card removed after {link.apdu_count} APDUs ({outcome}{drops})", flush=True)
    return 0
