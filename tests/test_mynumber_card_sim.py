"""The virtual My Number Card against the emulation sheet (jpki.md), APDU by APDU, no PC/SC."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from kiosk_demo.mynumber_card import MyNumberCard, pkcs1_type1_sign
from kiosk_demo.mynumber_state import CardState
from tests.mynumber_helpers import PIN, SIGN_PASSWORD

JPKI = "00A4040C0AD392F000260100000001"


def sw(answer: bytes) -> str:
    return answer[-2:].hex().upper()


@pytest.fixture
def card(card_file) -> MyNumberCard:
    c = MyNumberCard.open(card_file)
    c.power_on()
    return c


def send(card, hexstr: str) -> bytes:
    return card.process(bytes.fromhex(hexstr.replace(" ", "")))


def ef(card, fid: str) -> str:
    return sw(send(card, "00A4020C02" + fid))


def test_selects_and_unknown_things(card):
    assert sw(send(card, "00A4020C02000A")) == "6A82"  # no AP selected yet
    assert sw(send(card, JPKI)) == "9000"
    assert sw(send(card, "00A4040C05A000000003")) == "6A82"  # unknown AID
    assert sw(send(card, "00A4000C023F00")) == "6A82"  # the MF is not selectable
    assert sw(send(card, "00A40000")) == "6A86"
    assert ef(card, "1234") == "6A82"
    for fid in ("0001", "0002", "0006", "0008", "000A", "000B", "0017", "0018", "001A", "001B"):
        assert ef(card, fid) == "9000", fid
    assert sw(send(card, "00CA010000")) == "6D00"  # GET DATA: not this card's
    assert sw(send(card, "00C0000010")) == "6D00"
    assert sw(send(card, "80CA9F7F00")) == "6D00"
    assert sw(send(card, "A0A4000002")) == "6E00"
    assert sw(send(card, "01A4040C0AD392F000260100000001")) == "6881"  # channel 1
    assert sw(send(card, "00B0000000000004")) == "6700"  # extended Le refused
    assert card.foreign_selects == []


def test_token_and_read_binary_offsets_and_le(card):
    send(card, JPKI)
    ef(card, "0006")
    token = send(card, "00B0000020")
    assert token[:-2] == b"JPKIAPICCTOKEN2".ljust(32, b" ") and sw(token) == "9000"
    der = CardState.load(card.state_path).der("auth_cert")
    ef(card, "000A")
    head = send(card, "00B0000004")
    assert head[:4] == der[:4] and int.from_bytes(der[2:4], "big") + 4 == len(der)
    got = b""
    while len(got) < len(der):
        want = min(256, len(der) - len(got))
        r = send(card, f"00B0{len(got):04X}{want & 0xFF:02X}")
        assert sw(r) == "9000"
        got += r[:-2]
    assert got == der
    assert send(card, f"00B0{len(der) - 3:04X}00")[:-2] == der[-3:]  # Le past the end: what there is
    assert sw(send(card, f"00B0{len(der) - 3:04X}00")) == "6282"
    assert sw(send(card, f"00B0{len(der):04X}01")) == "6B00"
    assert send(card, "00B08A0004")[:4] == der[:4]  # short-EF-id form (SFI 0A)


def test_signing_certificate_needs_the_signing_password(card):
    send(card, JPKI)
    ef(card, "0001")
    assert sw(send(card, "00B0000004")) == "6982"
    ef(card, "001B")
    assert sw(send(card, "00200080")) == "63C5"
    assert sw(send(card, "0020008006" + SIGN_PASSWORD.encode().hex())) == "9000"
    ef(card, "0001")
    assert sw(send(card, "00B0000004")) == "9000"


def test_verify_counts_locks_and_persists(card, card_file):
    send(card, JPKI)
    ef(card, "0018")
    assert sw(send(card, "00200080")) == "63C3"
    assert sw(send(card, "00200080")) == "63C3"  # the query spends nothing
    assert sw(send(card, "0020008004" + b"0000".hex())) == "63C2"
    assert CardState.load(card_file).auth_tries == 2  # on disk before the answer
    assert sw(send(card, "0020008004" + PIN.encode().hex())) == "9000"
    assert CardState.load(card_file).auth_tries == 3
    for left in ("63C2", "63C1", "63C0"):
        assert sw(send(card, "0020008004" + b"0000".hex())) == left
    assert sw(send(card, "0020008004" + PIN.encode().hex())) == "6984"  # locked, even the right PIN
    assert sw(send(card, "00200080")) == "63C0"
    assert CardState.load(card_file).auth_tries == 0
    assert sw(send(card, "00200098")) == "63C0"  # SFI form on 0018


def test_sign_needs_the_pin_and_forgets_it_at_power_down(card):
    send(card, JPKI)
    digest_info = bytes.fromhex("3031300D060960864801650304020105000420") + hashlib.sha256(b"m").digest()
    ef(card, "0017")
    assert sw(send(card, "802A008033" + digest_info.hex() + "00")) == "6982"
    ef(card, "0018")
    send(card, "0020008004" + PIN.encode().hex())
    ef(card, "0017")
    answer = send(card, "802A008033" + digest_info.hex() + "00")
    assert sw(answer) == "9000" and len(answer) == 258
    card.state.auth_certificate().public_key().verify(answer[:-2], b"m", padding.PKCS1v15(), hashes.SHA256())
    ef(card, "001A")
    assert sw(send(card, "802A008033" + digest_info.hex() + "00")) == "6982"  # the signing key: other secret
    card.reset()
    assert card.verified  # a warm reset keeps it (MC)
    card.power_off()
    card.power_on()
    send(card, JPKI)
    ef(card, "0017")
    assert sw(send(card, "802A008033" + digest_info.hex() + "00")) == "6982"


def test_card_pads_what_it_receives_without_hashing(card):
    key = card.state.private_key("auth")
    raw = b"not a DigestInfo at all"
    sig = pkcs1_type1_sign(key, raw)
    n = key.public_key().public_numbers()
    em = pow(int.from_bytes(sig, "big"), n.e, n.n).to_bytes(256, "big")
    assert em == b"\x00\x01" + b"\xff" * (256 - 3 - len(raw)) + b"\x00" + raw
    digest = hashlib.sha256(b"x").digest()
    info = bytes.fromhex("3031300D060960864801650304020105000420") + digest
    assert pkcs1_type1_sign(key, info) == key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_foreign_applications_record_selects(card):
    assert sw(send(card, "00A4040C0AD3921000310001010402")) == "9000"
    assert sw(send(card, "00A4020C020013")) == "6A82"  # nothing inside, certainly no number
    assert [s.application for s in card.foreign_selects] == ["券面AP", "券面AP"]


def test_a_failing_state_write_answers_6f00_and_keeps_serving(card, card_file, monkeypatch):
    send(card, JPKI)
    ef(card, "0018")

    def broken_save(self, path):
        raise OSError("disk full")

    monkeypatch.setattr(CardState, "save", broken_save)
    assert sw(send(card, "0020008004" + b"0000".hex())) == "6F00"
    monkeypatch.undo()
    assert sw(send(card, "00200080")) in ("63C2", "63C3")  # still answering
