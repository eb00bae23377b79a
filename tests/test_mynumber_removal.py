"""Acceptance: the card pulled at every APDU of the flow, before or after it acts.

Each case ends in CardRemoved (never a hang, never another exception), and the PIN
counter the kiosk reads afterwards is exactly the one the card keeps.
"""

from __future__ import annotations

import pytest

from kiosk.cardio.errors import CardRemoved, PinIncorrect
from kiosk.cardio.mynumber import MyNumberSession
from kiosk.pcsc.context import PcscContext
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import CardState
from tests.mynumber_helpers import PIN, connect, inserted, run_flow

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]


def _flow_apdus(card_file, vpcd_slot, ctx, pin) -> tuple[int, int]:
    """Run the flow once, uninterrupted: (number of APDUs, index of the VERIFY with data)."""
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        try:
            run_flow(conn, pin)
        except PinIncorrect:
            pass
        conn.close()
    verify_at = next(i for i, a in enumerate(card.received, 1) if a[1] == 0x20 and len(a) > 4)
    _reset(card_file)
    return len(card.received), verify_at


def _reset(card_file) -> None:
    state = CardState.load(card_file)
    state.auth_tries = 3
    state.save(card_file)


@pytest.mark.parametrize("pin", [PIN, "0000"], ids=["right-pin", "wrong-pin"])
def test_removal_at_every_apdu(vpcd_slot, card_file, pin):
    with PcscContext() as ctx:
        total, verify_at = _flow_apdus(card_file, vpcd_slot, ctx, pin)
        assert 10 <= total <= 16
        for mode in ("before", "after"):
            for n in range(1, total + 1):
                card = MyNumberCard.open(card_file)
                with inserted(card, vpcd_slot, ctx, remove_after=n, remove_mode=mode) as holder:
                    conn = connect(ctx, vpcd_slot.reader)
                    with pytest.raises(CardRemoved):
                        run_flow(conn, pin)
                    assert holder.wait_removed(), f"card still in after APDU {n} ({mode})"
                    conn.close()
                assert holder.outcome == f"removed-{mode}", (n, mode, holder.outcome)
                acted = n < verify_at or (n == verify_at and mode == "after")
                expected = 2 if pin != PIN and (n > verify_at or acted and n == verify_at) else 3
                assert card.tries() == expected, (n, mode)
                assert CardState.load(card_file).auth_tries == expected  # on disk, not only in memory

                if pin == PIN:
                    continue  # a right PIN cannot move the count; the pcscd round trip is for the wrong one
                # Back in the reader: what the kiosk reads is what the card keeps.
                card = MyNumberCard.open(card_file)
                with inserted(card, vpcd_slot, ctx):
                    conn = connect(ctx, vpcd_slot.reader)
                    assert MyNumberSession(conn).tries_left() == card.tries() == expected, (n, mode)
                    assert card.verified == frozenset()  # nothing verified survives the removal
                    conn.close()
                _reset(card_file)
