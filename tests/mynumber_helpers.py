"""Shared pieces for the My Number tests: a test CA per session, issued cards, pcscd waits.

The fixtures reach every test module through tests/conftest.py (pytest_plugins): never import them
into a module, which would make a second, module-level copy of a session fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import NoCard
from kiosk.cardio.identify import identify
from kiosk.pcsc.context import PcscConnection, PcscContext
from kiosk.pcsc.reader import wait_for_card
from kiosk_demo.jpki_ca import TestJpkiCa
from kiosk_demo.mynumber_state import CardState, issue_card
from kiosk_demo.vpcd import CardInReader
from tests.direct_link import DirectConnection  # noqa: F401 (re-exported for the tests)

PIN = "1234"
SIGN_PASSWORD = "ABC123"


@pytest.fixture(scope="session")
def jpki_ca(tmp_path_factory) -> TestJpkiCa:
    return TestJpkiCa.open(tmp_path_factory.mktemp("jpki-ca"))


@pytest.fixture(scope="session")
def _issued_template(jpki_ca) -> CardState:
    # Key generation is the slow part (two RSA-2048 keys); tests get copies of one card.
    return issue_card(jpki_ca, PIN, SIGN_PASSWORD)


@pytest.fixture
def card_file(tmp_path, _issued_template) -> Path:
    """A freshly issued card's state file (tries 3 and 5)."""
    path = tmp_path / "mynumber.json"
    CardState(**vars(_issued_template)).save(path)
    return path


def wait_card(ctx: PcscContext, reader: str, present: bool = True, timeout: float = 5.0) -> bytes:
    """Block (on the status-change call, no sleeping) until the reader holds a card or not."""
    state = wait_for_card(ctx, reader, present, timeout)
    assert state is not None, f"{reader}: card {'present' if present else 'absent'} not seen in {timeout}s"
    return state.atr


@contextmanager
def inserted(card, slot, ctx: PcscContext, **insert_args) -> Iterator[CardInReader]:
    """The card in the slot's reader for the block; the reader is seen empty before and after.

    vpcd notices a card's departure only when pcscd polls it; a new card linked in before
    that would meet a reader that still thinks the old card is there (and fails to power).
    """
    wait_card(ctx, slot.reader, present=False)
    holder = CardInReader(card, slot.port).insert(**insert_args)
    try:
        yield holder
    finally:
        holder.remove()
        wait_card(ctx, slot.reader, present=False)


def connect(ctx: PcscContext, reader: str) -> PcscConnection:
    wait_card(ctx, reader, True)
    try:
        return ctx.connect(reader)
    except NoCard:  # the reader saw the card before the driver powered it: once more
        wait_card(ctx, reader, True)
        return ctx.connect(reader)


def run_flow(connection: Connection, pin: str = PIN, challenge: bytes = b"challenge") -> tuple[bytes, bytes]:
    """The kiosk's flow: identify, certificate, tries, verify, sign. Returns (cert DER, signature)."""
    ident = identify(connection)
    session = ident.session
    assert session is not None, ident
    cert = session.read_auth_certificate()
    session.tries_left()
    session.verify_pin(pin)
    return cert, session.sign_challenge(challenge)


def verify_signature(cert_der: bytes, signature: bytes, challenge: bytes) -> x509.Certificate:
    cert = x509.load_der_x509_certificate(cert_der)
    cert.public_key().verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    return cert
