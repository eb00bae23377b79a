"""Acceptance: the kiosk's JPKI flow over the real pcscd, vpcd and the virtual My Number Card."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding

from kiosk.cardio.errors import (
    LastTryNotConfirmed,
    PinBlocked,
    PinIncorrect,
    SecurityStatusNotSatisfied,
)
from kiosk.cardio.identify import CardKind, identify
from kiosk.cardio.mynumber import MyNumberSession
from kiosk.pcsc.context import PcscContext
from kiosk_demo.commands.cards import KINDS
from kiosk_demo.mynumber_card import MYNUMBER_ATR, MyNumberCard
from kiosk_demo.mynumber_state import CardState
from kiosk_demo.probe_card import ProbeCard
from tests.conftest import wait_for
from tests.mynumber_helpers import PIN, connect, inserted, run_flow, verify_signature

pytestmark = pytest.mark.pcsc


@pytest.fixture
def ctx():
    with PcscContext() as context:
        yield context


def test_identify_tries_verify_sign_chains_to_test_ca(vpcd_slot, ctx, card_file, jpki_ca):
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        ident = identify(conn)
        assert ident.kind is CardKind.MYNUMBER
        assert ident.atr == MYNUMBER_ATR and ident.atr_hint is CardKind.MYNUMBER
        assert ident.token == "JPKIAPICCTOKEN2"
        session = ident.session
        cert_der = session.read_auth_certificate()
        assert session.tries_left() == 3
        session.verify_pin(PIN)
        signature = session.sign_challenge(b"fresh cloud nonce")
        conn.close()
    cert = verify_signature(cert_der, signature, b"fresh cloud nonce")
    # The certificate chains to the test CA (the trust anchor the cloud simulator uses).
    jpki_ca.auth.cert.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
    )
    assert cert.issuer == jpki_ca.auth.cert.subject
    with pytest.raises(InvalidSignature):
        jpki_ca.sign.cert.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
        )
    assert cert_der == CardState.load(card_file).der("auth_cert")
    assert card.foreign_selects == []


def test_wrong_pins_count_down_lock_and_survive_a_restart(vpcd_slot, ctx, card_file):
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        session = MyNumberSession(connect(ctx, vpcd_slot.reader))
        assert session.tries_left() == 3
        with pytest.raises(PinIncorrect) as exc:
            session.verify_pin("0000")
        assert exc.value.tries_left == 2
        assert session.tries_left() == 2 and session.tries_left() == 2  # the query spends nothing
        with pytest.raises(PinIncorrect) as exc:
            session.verify_pin("0001")
        assert exc.value.tries_left == 1
        session.connection.close()

    # "Restart the card process": a new card object from the state file, a new insertion.
    card = MyNumberCard.open(card_file)
    assert card.tries() == 1
    with inserted(card, vpcd_slot, ctx):
        session = MyNumberSession(connect(ctx, vpcd_slot.reader))
        assert session.tries_left() == 1
        sent = len(card.received)
        with pytest.raises(LastTryNotConfirmed):
            session.verify_pin("0002")
        assert len(card.received) == sent  # refused without sending anything
        with pytest.raises(PinBlocked):
            session.verify_pin("0002", confirm_last_try=True)  # the third failure locks
        assert session.tries_left() == 0
        sent = len(card.received)
        with pytest.raises(PinBlocked):
            session.verify_pin(PIN, confirm_last_try=True)  # even the right PIN is not sent
        # Only the empty retry query went out: no VERIFY with data.
        assert [a for a in card.received[sent:] if a[1] == 0x20 and len(a) > 4] == []
        session.connection.close()
    assert CardState.load(card_file).auth_tries == 0


def test_correct_pin_resets_the_count_to_three(vpcd_slot, ctx, card_file):
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        session = MyNumberSession(connect(ctx, vpcd_slot.reader))
        with pytest.raises(PinIncorrect):
            session.verify_pin("9999")
        assert session.tries_left() == 2
        session.verify_pin(PIN)
        assert session.tries_left() == 3
        session.connection.close()
    assert CardState.load(card_file).auth_tries == 3


def test_sign_without_pin_is_refused_and_power_down_forgets_the_pin(vpcd_slot, ctx, card_file):
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        session = MyNumberSession(connect(ctx, vpcd_slot.reader))
        with pytest.raises(SecurityStatusNotSatisfied):
            session.sign_challenge(b"x")
        session.verify_pin(PIN)
        assert len(session.sign_challenge(b"x")) == 256
        session.connection.close()  # SCARD_UNPOWER_CARD
        wait_for(lambda: card.verified == frozenset())  # the power-off frame needs no answer

        session = MyNumberSession(connect(ctx, vpcd_slot.reader))
        with pytest.raises(SecurityStatusNotSatisfied):
            session.sign_challenge(b"x")
        session.connection.close()


def test_the_whole_flow_selects_no_other_application(vpcd_slot, ctx, card_file):
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        run_flow(conn)
        conn.close()
    selects = [a for a in card.received if a[1] == 0xA4]
    by_name = [a for a in selects if a[2] == 0x04]
    assert by_name == [bytes.fromhex("00A4040C0AD392F000260100000001")]
    assert {a[5:7] for a in selects if a[2] == 0x02} <= {b"\x00\x06", b"\x00\x0a", b"\x00\x18", b"\x00\x17"}
    assert card.foreign_selects == []
    assert len(card.received) <= 16


def test_the_foreign_applications_record_what_they_receive(vpcd_slot, ctx, card_file):
    """The proof above means something only if a stray SELECT would be caught."""
    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        resp = conn.transmit(bytes.fromhex("00A4040C0AD3921000310001010408"))
        assert resp.ok
        assert conn.transmit(bytes.fromhex("00A4020C020001")).sw == 0x6A82
        conn.close()
    assert [s.application for s in card.foreign_selects] == ["券面事項入力補助AP", "券面事項入力補助AP"]


def test_identify_says_unknown_for_a_card_without_jpki(vpcd_slot, ctx):
    card = ProbeCard()
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        ident = identify(conn)
        conn.close()
    assert ident.kind is CardKind.UNKNOWN and ident.session is None
    # JPKI first, then the Breka select, and nothing else.
    assert [a[:5] for a in card.received] == [bytes.fromhex("00A4040C0A"), bytes.fromhex("905A000003")]


def test_identify_says_breka_for_the_breka_card(vpcd_slot, ctx, tmp_path):
    from kiosk_demo.breka_card import DESFIRE_ATR, BrekaCard

    state = tmp_path / "breka.json"
    module = importlib.import_module(KINDS["breka"])
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", type=Path)
    module.add_issue_arguments(parser)
    assert module.issue(parser.parse_args(["--state", str(state)])) == 0
    card = module.open_card(state)
    assert isinstance(card, BrekaCard)
    with inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        ident = identify(conn)
        conn.close()
    assert ident.kind is CardKind.BREKA and ident.session is None
    assert ident.atr == DESFIRE_ATR and ident.atr_hint is CardKind.BREKA


def test_certificate_is_a_normal_x509_certificate(card_file):
    cert = x509.load_der_x509_certificate(CardState.load(card_file).der("auth_cert"))
    assert cert.public_key().key_size == 2048
