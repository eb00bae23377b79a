"""Benchmarks over the real stack (pcscd, virtual cards, the simulator); figures go to docs/performance.md."""

from __future__ import annotations


def wait_present(ctx, reader: str, present: bool, timeout: float = 10.0) -> None:
    """Until the reader holds a card (or is empty); TimeoutError otherwise."""
    from kiosk.pcsc.reader import wait_for_card

    if wait_for_card(ctx, reader, present, timeout) is None:
        raise TimeoutError(f"{reader}: card {'never appeared' if present else 'never left'}")
