"""A virtual My Number Card (JPKI): two RSA-2048 key pairs with certificates from the test CA."""

from __future__ import annotations

from pathlib import Path


def add_issue_arguments(parser) -> None:
    parser.add_argument("--pin", default="1234", help="user-authentication PIN, 4 digits (default 1234)")
    parser.add_argument("--sign-password", default="ABC123", help="signing password, 6-16 of A-Z 0-9 (default ABC123)")
    parser.add_argument(
        "--ca",
        type=Path,
        metavar="DIR",
        help="test JPKI CA directory, created if missing (default: <state file's dir>/jpki-ca)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing card state file")


def issue(args) -> int:
    from kiosk.cli import UsageError
    from kiosk_demo.jpki_ca import TestJpkiCa
    from kiosk_demo.mynumber_state import check_auth_pin, check_sign_password, issue_card

    try:
        check_auth_pin(args.pin)
    except ValueError:
        raise UsageError("暗証番号は数字4桁です / --pin must be exactly 4 digits") from None
    try:
        check_sign_password(args.sign_password)
    except ValueError:
        raise UsageError(
            "署名用パスワードは英大文字と数字の6〜16文字です / --sign-password must be 6-16 characters of A-Z 0-9"
        ) from None
    state_path: Path = args.state
    if state_path.exists() and not args.force:
        raise UsageError(f"{state_path} は既にあります / {state_path} exists; pass --force to replace that card")
    if not state_path.parent.is_dir():
        raise UsageError(f"{state_path.parent} がありません / no such directory: {state_path.parent}")
    ca = TestJpkiCa.open(args.ca if args.ca is not None else state_path.parent / "jpki-ca")
    state = issue_card(ca, args.pin, args.sign_password)
    state.save(state_path)
    # The user-authentication certificate's serial (発行番号), hex as in its subject.
    print(f"{state.auth_certificate().serial_number:X}")
    return 0


def open_card(state_path: Path):
    from kiosk.cli import UsageError
    from kiosk_demo.mynumber_card import MyNumberCard

    try:
        return MyNumberCard.open(state_path)
    except (ValueError, TypeError, KeyError) as exc:  # JSONDecodeError is a ValueError
        raise UsageError(
            f"{state_path} はマイナンバーカードの状態ファイルではありません / "
            f"{state_path} is not a virtual My Number Card state file ({type(exc).__name__})"
        ) from None
