"""A probe card that answers one GET DATA: checks pcscd + vpcd + the reader path."""

from __future__ import annotations

from pathlib import Path


def add_issue_arguments(parser) -> None:
    pass


def issue(args) -> int:
    args.state.write_text("probe\n")
    print("probe")
    return 0


def open_card(state_path: Path):
    from kiosk_demo.probe_card import ProbeCard

    return ProbeCard()
