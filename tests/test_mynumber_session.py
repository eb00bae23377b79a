"""MyNumberSession unit tests: the session on the virtual card in-process (no PC/SC)."""

from __future__ import annotations

import pytest

from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import (
    ApplicationNotFound,
    InvalidPinFormat,
    LastTryNotConfirmed,
    PinBlocked,
    PinIncorrect,
    SecurityStatusNotSatisfied,
)
from kiosk.cardio.identify import CardKind, identify
from kiosk.cardio.mynumber import MyNumberSession, TokenKind, der_length, sha256_digest_info
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.probe_card import ProbeCard
from tests.mynumber_helpers import PIN, DirectConnection, run_flow, verify_signature


@pytest.fixture
def conn(card_file) -> DirectConnection:
    return DirectConnection(MyNumberCard.open(card_file))


def test_flow_costs_13_apdus_and_only_jpki_files(conn):
    cert, signature = run_flow(conn)
    verify_signature(cert, signature, b"challenge")
    assert len(conn.sent) == 13
    assert conn.card.foreign_selects == []
    fids = {a[5:7].hex() for a in conn.sent if a[1] == 0xA4 and a[2] == 0x02}
    assert fids == {"0006", "000a", "0018", "0017"}  # never 0001, 001A or 001B


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", "１２３４", " 123", "", 1234])
def test_pin_format_is_checked_before_anything_is_sent(conn, pin):
    session = MyNumberSession(conn)
    sent = len(conn.sent)
    with pytest.raises(InvalidPinFormat):
        session.verify_pin(pin)
    assert len(conn.sent) == sent
    assert conn.card.tries() == 3


def test_tries_are_queried_once_before_verify(conn):
    session = MyNumberSession(conn)
    assert session.tries_left() == 3
    sent = len(conn.sent)
    session.verify_pin(PIN)
    assert len(conn.sent) == sent + 1  # the fresh query is reused: only the VERIFY goes out
    session.verify_pin(PIN)  # no fresh query any more: empty VERIFY, then VERIFY
    assert len(conn.sent) == sent + 3


def test_wrong_pins_last_try_and_block(conn):
    session = MyNumberSession(conn)
    with pytest.raises(PinIncorrect) as exc:
        session.verify_pin("0000")
    assert exc.value.tries_left == 2
    with pytest.raises(PinIncorrect) as exc:
        session.verify_pin("0000")
    assert exc.value.tries_left == 1
    sent = len(conn.sent)
    with pytest.raises(LastTryNotConfirmed) as last:
        session.verify_pin(PIN)
    assert last.value.tries_left == 1
    assert [a for a in conn.sent[sent:] if len(a) > 4] == []  # only the empty query
    with pytest.raises(PinBlocked):
        session.verify_pin("0000", confirm_last_try=True)
    sent = len(conn.sent)
    with pytest.raises(PinBlocked):
        session.verify_pin(PIN, confirm_last_try=True)
    assert [a for a in conn.sent[sent:] if len(a) > 4] == []
    assert conn.card.tries() == 0


def test_sign_without_pin_and_digest_info(conn):
    session = MyNumberSession(conn)
    with pytest.raises(SecurityStatusNotSatisfied):
        session.sign_challenge(b"x")
    assert len(sha256_digest_info(b"x")) == 51
    with pytest.raises(ValueError):
        session.sign(b"")


def test_der_length():
    assert der_length(bytes.fromhex("308203A0")) == 0x3A0 + 4
    assert der_length(bytes.fromhex("3081F0")) == 0xF0 + 3
    assert der_length(bytes.fromhex("3010")) == 0x12


def test_a_certificate_shorter_than_the_first_read(conn):
    der = bytes.fromhex("3003020101")
    conn.card._files[0x000A] = der
    assert MyNumberSession(conn).read_auth_certificate() == der


class Refusing(Connection):
    """A card that knows nothing (answers 6A82 to SELECT, 6D00 otherwise)."""

    def __init__(self):
        self.sent = []

    def transmit_raw(self, apdu):
        self.sent.append(apdu)
        return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"


def test_no_jpki_application():
    with pytest.raises(ApplicationNotFound):
        MyNumberSession(Refusing())


def test_identify_kinds(conn):
    ident = identify(conn)
    assert ident.kind is CardKind.MYNUMBER and ident.token_kind is TokenKind.CARD
    other = Refusing()
    assert identify(other).kind is CardKind.UNKNOWN
    assert [a[:2].hex() for a in other.sent] == ["00a4", "905a"]  # JPKI first, then Breka
    probe = DirectConnection(ProbeCard())  # type: ignore[arg-type]
    assert identify(probe).kind is CardKind.UNKNOWN
