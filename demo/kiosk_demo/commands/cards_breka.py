"""A Breka card (Breka-DF: DESFire EV1 application, AES keys, value file, load log)."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.cardio.breka import UPPER_LIMIT


def add_issue_arguments(parser) -> None:
    parser.add_argument(
        "--balance", type=int, default=0, metavar="N", help=f"points on the new card (0..{UPPER_LIMIT:,}; default 0)"
    )
    parser.add_argument(
        "--masters",
        choices=["demo", "keyring"],
        default="demo",
        help="demo: the fixed DEMO-ONLY master keys; keyring: K1/K3 masters from the "
        "OS keyring (what this kiosk loads with), K0/K2/K4 the demo ones",
    )


def issue(args) -> int:
    from kiosk.cli import UsageError
    from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
    from kiosk_demo.breka_state import issue_breka_card

    if not 0 <= args.balance <= UPPER_LIMIT:
        raise UsageError(f"残高は 0〜{UPPER_LIMIT:,} です / --balance must be 0..{UPPER_LIMIT:,}, got {args.balance}")
    masters = dict(DEMO_MASTER_KEYS)
    if args.masters == "keyring":
        from kiosk.secrets import MissingSecret, Secret, SecretError, require_secret

        try:
            masters[1] = require_secret(Secret.BREKA_LOAD_MASTER)
            masters[3] = require_secret(Secret.BREKA_READ_MASTER)
        except MissingSecret as exc:
            raise UsageError(f"鍵がキーリングにありません / {exc}") from exc
        except SecretError as exc:
            print(f"kiosk cards: キーリングを使えません / {exc}", file=sys.stderr)
            return 1
    try:
        state = issue_breka_card(args.state, masters, args.balance)
    except FileExistsError:
        raise UsageError(f"カードは発行済みです / {args.state} exists: a card is issued once") from None
    print(state.uid.hex().upper())
    return 0


def open_card(state_path: Path):
    from kiosk.cli import UsageError
    from kiosk_demo.breka_card import BrekaCard

    try:
        return BrekaCard.open(state_path)
    except (ValueError, KeyError) as exc:
        raise UsageError(
            f"ブレカのカード状態ファイルではありません / {state_path}: not a Breka card state ({exc})"
        ) from exc
