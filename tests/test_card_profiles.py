"""Card behaviour profiles in one process (no pcscd): the T=0 framing a contact card uses,
resolved by the kiosk's own transport, and the timing figures the profiles apply."""

from __future__ import annotations

import random

import pytest

from kiosk.cardio.connection import Connection
from kiosk_demo import card_profiles
from kiosk_demo.card_profiles import DESFIRE_COMMIT, JPKI_SIGN, PROFILES, Shaper
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import CardState
from kiosk_demo.t0_transport import T0Transport, historical_bytes, t0_atr
from tests.mynumber_helpers import card_file, jpki_ca, run_flow, verify_signature  # noqa: F401 (fixtures)


class T0Connection(Connection):
    """A virtual card behind the T=0 framing, as the kiosk's transport meets it."""

    reader = "t0"

    def __init__(self, card) -> None:
        self.card, self.t0, self.sent = card, T0Transport(), []
        card.power_on()

    def transmit_raw(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.t0.exchange(apdu, self.card.process)


def test_the_kiosks_flow_works_through_t0_with_get_response_and_6cxx(card_file):  # noqa: F811
    card = MyNumberCard.open(card_file)
    conn = T0Connection(card)
    cert, signature = run_flow(conn, challenge=b"t0")
    verify_signature(cert, signature, b"t0")
    assert cert == CardState.load(card_file).der("auth_cert")
    get_responses = [a for a in conn.sent if a[1] == 0xC0]
    assert get_responses, "the signature (case 4) must come through GET RESPONSE"
    assert get_responses[-1] == bytes.fromhex("00C0000000")  # 256 bytes of signature wait
    # every command the card acted on was short (no extended length went out)
    assert all(len(a) <= 5 + 255 + 1 for a in conn.sent)


def test_a_wrong_le_answers_6c_and_the_repeat_is_not_done_twice():
    t0, calls = T0Transport(), []

    def card(apdu: bytes) -> bytes:
        calls.append(apdu)
        return b"\x01\x02\x03\x91\x00"

    assert t0.exchange(bytes.fromhex("90C7000000"), card) == b"\x6c\x03"
    assert t0.exchange(bytes.fromhex("90C7000003"), card) == b"\x01\x02\x03\x91\x00"
    assert len(calls) == 1  # the card acted once; the repeat was answered from what it had


def test_get_response_in_pieces_and_with_a_wrong_le():
    t0 = T0Transport()
    assert t0.exchange(bytes.fromhex("00A4040C02AAAA00"), lambda _a: bytes(range(10)) + b"\x90\x00") == b"\x61\x0a"
    assert t0.exchange(bytes.fromhex("00C0000020"), lambda _a: b"") == b"\x6c\x0a"
    assert t0.exchange(bytes.fromhex("00C0000004"), lambda _a: b"") == bytes(range(4)) + b"\x61\x06"
    assert t0.exchange(bytes.fromhex("00C0000006"), lambda _a: b"") == bytes(range(4, 10)) + b"\x90\x00"
    assert t0.exchange(bytes.fromhex("00C0000006"), lambda _a: b"") == b"\x69\x85"  # nothing waits


def test_extended_lengths_are_refused_without_reaching_the_card():
    t0 = T0Transport()
    assert t0.exchange(bytes.fromhex("802A00800000030102030100"), lambda _a: pytest.fail("reached")) == b"\x67\x00"


def test_the_t0_atr_keeps_the_historical_bytes_and_names_t0_only():
    atr = bytes.fromhex("3B888001000005E0B381A1007F")
    assert historical_bytes(atr) == bytes.fromhex("000005E0B381A100")
    assert t0_atr(atr) == bytes.fromhex("3B08000005E0B381A100")
    assert t0_atr(bytes.fromhex("3B8180018080")) == bytes.fromhex("3B0180")


def test_timing_figures_scale_and_the_chip_work_counts_once():
    rng = random.Random(1)
    p = PROFILES["contactless"]
    sign = bytes.fromhex("802A0080") + bytes(53)
    full = p.delay_s(sign, bytes(258), rng)
    assert 0.45 < full < 0.5  # 450 ms of RSA-2048 plus the air time of ~310 bytes
    assert p.delay_s(sign, bytes(258), rng, worked=False) < 0.03  # a repeat does no work
    assert p.scaled(0.1).delay_s(sign, bytes(258), rng) == pytest.approx(full / 10, rel=0.1)
    assert p.scaled(0).delay_s(sign, bytes(258), rng) == 0
    assert p.work_ms[DESFIRE_COMMIT] >= 20 and PROFILES["slow-reader"].work_ms[JPKI_SIGN] >= 450
    assert PROFILES["ideal"].delay_s(sign, bytes(258), rng) == 0


def test_drop_outs_at_chosen_commands_and_by_chance():
    shaper = Shaper(PROFILES["slow-reader"].with_resets(at=(2,)))
    assert [shaper.reset_now() for _ in range(4)] == [False, True, False, False]
    seeded = Shaper(PROFILES["slow-reader"].with_resets(chance=0.5))
    assert 20 < sum(seeded.reset_now() for _ in range(100)) < 80


def test_profile_names_and_the_scale_variable(monkeypatch):
    monkeypatch.setenv(card_profiles.SCALE_ENV, "0.25")
    assert card_profiles.get("contactless").scale == 0.25
    assert card_profiles.get("contactless", 1.0).scale == 1.0
    with pytest.raises(KeyError):
        card_profiles.get("t=2")
    monkeypatch.setenv(card_profiles.SCALE_ENV, "-1")
    with pytest.raises(ValueError):
        card_profiles.get("ideal")
