"""The foundation's proof: an APDU through pyscard, the real pcscd and a virtual card."""

from __future__ import annotations

import pytest
from smartcard import scard

from kiosk_demo.probe_card import PROBE_ATR, PROBE_TEXT, ProbeCard
from kiosk_demo.vpcd import CardInReader
from tests.conftest import wait_for

pytestmark = pytest.mark.pcsc


def _card_present(hcontext: int, reader: str) -> bytes | None:
    code, states = scard.SCardGetStatusChange(hcontext, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
    assert code == scard.SCARD_S_SUCCESS
    _, state, atr = states[0]
    return bytes(atr) if state & scard.SCARD_STATE_PRESENT else None


def test_pyscard_round_trip_through_pcscd(vpcd_slot):
    code, hcontext = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert code == scard.SCARD_S_SUCCESS
    code, readers = scard.SCardListReaders(hcontext, [])
    assert vpcd_slot.reader in readers
    card = ProbeCard()
    with CardInReader(card, vpcd_slot.port):
        atr = wait_for(lambda: _card_present(hcontext, vpcd_slot.reader))
        assert atr == PROBE_ATR
        code, hcard, proto = scard.SCardConnect(
            hcontext, vpcd_slot.reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        assert code == scard.SCARD_S_SUCCESS
        code, resp = scard.SCardTransmit(hcard, proto, [0x00, 0xCA, 0x01, 0x00, 0x00])
        assert code == scard.SCARD_S_SUCCESS
        assert bytes(resp) == PROBE_TEXT + b"\x90\x00"
        code, resp = scard.SCardTransmit(hcard, proto, [0x00, 0x99, 0x00, 0x00])
        assert bytes(resp) == b"\x6d\x00"
        scard.SCardDisconnect(hcard, scard.SCARD_UNPOWER_CARD)
    assert card.received[0] == bytes.fromhex("00CA010000")
    wait_for(lambda: _card_present(hcontext, vpcd_slot.reader) is None)
    scard.SCardReleaseContext(hcontext)


def test_card_removal_is_seen_by_pyscard(vpcd_slot):
    """remove_after=1, mode before: the card vanishes instead of answering."""
    code, hcontext = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    card = ProbeCard()
    holder = CardInReader(card, vpcd_slot.port).insert(remove_after=1, remove_mode="before")
    wait_for(lambda: _card_present(hcontext, vpcd_slot.reader))
    code, hcard, proto = scard.SCardConnect(
        hcontext, vpcd_slot.reader, scard.SCARD_SHARE_EXCLUSIVE, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    assert code == scard.SCARD_S_SUCCESS
    code, resp = scard.SCardTransmit(hcard, proto, [0x00, 0xCA, 0x01, 0x00, 0x00])
    # vpcd reports a vanished card either as an error or as an answer without a status
    # word; kiosk.pcsc.context turns both into CardRemoved.
    assert code != scard.SCARD_S_SUCCESS or len(resp) < 2
    assert holder.wait_removed()
    assert holder.outcome == "removed-before"
    assert card.received == []  # it never acted on the command
    scard.SCardReleaseContext(hcontext)
