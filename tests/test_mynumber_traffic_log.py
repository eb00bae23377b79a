"""Every APDU is logged at TRAFFIC level, and a PIN never reaches that log (nor any other)."""

from __future__ import annotations

import pytest

from kiosk.cardio.errors import PinIncorrect
from kiosk.cardio.mynumber import MyNumberSession
from kiosk.log import TRAFFIC
from kiosk.pcsc.context import PcscContext
from kiosk_demo.mynumber_card import MyNumberCard
from tests.mynumber_helpers import PIN, connect, inserted, run_flow

pytestmark = pytest.mark.pcsc

WRONG = "9876"


def _forms(pin: str) -> list[str]:
    raw = pin.encode("ascii")
    return [pin, raw.hex(), raw.hex(" "), raw.hex().upper(), raw.hex(" ").upper()]


def test_pin_never_appears_in_captured_traffic(vpcd_slot, card_file, caplog):
    caplog.set_level(TRAFFIC)  # everything, down to TRAFFIC, from every logger
    caplog.set_level(TRAFFIC, logger="kiosk.cardio.traffic")  # even if a CLI test set it to DEBUG
    card = MyNumberCard.open(card_file)
    with PcscContext() as ctx, inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        with pytest.raises(PinIncorrect):
            MyNumberSession(conn).verify_pin(WRONG)
        run_flow(conn, PIN)
        conn.close()
    traffic = [r.getMessage() for r in caplog.records if r.levelno == TRAFFIC]
    # The log is real: every APDU in both directions, the VERIFYs included but blanked.
    assert len(traffic) == 2 * len(card.received)
    assert any("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" in m for m in traffic)
    verifies = [m for m in traffic if "> 00 20 00 80 04" in m]
    assert len(verifies) == 2 and all(m.endswith("** ** ** **") for m in verifies)
    everything = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for pin in (PIN, WRONG):
        for form in _forms(pin):
            assert form not in everything, f"PIN leaked into the log as {form!r}"
