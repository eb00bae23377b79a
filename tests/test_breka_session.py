"""BrekaSession against the virtual card in-process: authentication, CMAC chain, transaction."""

from __future__ import annotations

import uuid

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka import BrekaSession, LoadRecord
from kiosk.cardio.desfire_status import (
    AuthenticationError,
    BoundaryError,
    CommandIntegrityError,
    DesfireApplicationNotFound,
    PermissionDenied,
    error_for_status,
)
from kiosk.cardio.errors import ApplicationNotFound, IntegrityError
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from kiosk_demo.breka_state import CardState, blank_card
from tests.breka_doubles import DirectConnection, issue_card

K1 = DEMO_MASTER_KEYS[breka.KEY_LOAD]


@pytest.fixture
def card(tmp_path):
    return issue_card(tmp_path, balance=1000)


def session(card, key_no=breka.KEY_LOAD, master=K1) -> BrekaSession:
    s = BrekaSession(DirectConnection(card))
    s.authenticate_with_master(key_no, master)
    return s


def test_uid_and_select(card):
    s = BrekaSession(DirectConnection(card))
    assert s.uid == card.uid and len(s.uid) == 7 and s.uid[0] == 0x04
    assert not s.authenticated


def test_card_without_the_application_is_not_a_breka_card():
    blank = BrekaCard(blank_card())
    with pytest.raises(DesfireApplicationNotFound) as info:
        BrekaSession(DirectConnection(blank))
    assert isinstance(info.value, ApplicationNotFound) and info.value.sw == 0x91A0


def test_right_key_authenticates_and_reads(card):
    s = session(card)
    assert s.authenticated
    assert s.balance() == 1000
    assert s.load_records() == []


def test_wrong_key_answers_the_authentication_error(card):
    s = BrekaSession(DirectConnection(card))
    with pytest.raises(AuthenticationError) as info:
        s.authenticate_with_master(breka.KEY_LOAD, bytes(16))
    assert info.value.sw == 0x91AE
    assert not s.authenticated
    with pytest.raises(AuthenticationError):  # no session: MACed commands are refused
        s.balance()


def test_other_cards_keys_do_not_work(tmp_path, card):
    other = issue_card(tmp_path, name="other.json")
    s = BrekaSession(DirectConnection(card))
    with pytest.raises(AuthenticationError):
        s.authenticate(breka.KEY_LOAD, breka.card_key(K1, other.uid, breka.KEY_LOAD))


def test_read_key_may_read_but_not_credit(card):
    s = session(card, breka.KEY_READ, DEMO_MASTER_KEYS[breka.KEY_READ])
    assert s.balance() == 1000
    with pytest.raises(PermissionDenied):
        s.credit(5)
    assert card.state.applications[breka.AID].files[1].value == 1000


def test_tampered_reply_cmac_is_an_integrity_error_and_ends_the_session(card):
    s = session(card)
    card.tamper_next_reply(breka.INS_GET_VALUE)
    with pytest.raises(IntegrityError):
        s.balance()
    assert not s.authenticated
    s.authenticate_with_master(breka.KEY_LOAD, K1)
    assert s.balance() == 1000  # only that one reply was spoilt


def test_forged_command_cmac_is_refused_by_the_card(card):
    s = session(card)
    conn = s._conn
    reply = conn.transmit_raw(bytes.fromhex("900C00000D01") + (99).to_bytes(4, "little") + bytes(8) + b"\x00")
    assert reply == b"\x91\x1e"
    assert not card.has_pending
    assert isinstance(error_for_status(0x1E), CommandIntegrityError)


def test_credit_is_invisible_until_commit(card):
    s = session(card)
    s.credit(250)
    assert s.balance() == 1000
    assert card.has_pending
    s.commit()
    assert s.balance() == 1250
    assert CardState.load(card.path).applications[breka.AID].files[1].value == 1250  # persisted


@pytest.mark.parametrize("discard", ["abort", "reselect", "power_down", "reauthenticate", "error"])
def test_pending_credit_is_discarded(card, discard):
    s = session(card)
    s.credit(250)
    s.write_load_record(LoadRecord(uuid.uuid4(), 250, 1250, 1, 0))
    if discard == "abort":
        s.abort()
    elif discard == "reselect":
        s.select()
    elif discard == "power_down":
        card.power_off()
        card.power_on()
        s = BrekaSession(DirectConnection(card))
    elif discard == "reauthenticate":
        s.authenticate_with_master(breka.KEY_LOAD, K1)
    elif discard == "error":
        with pytest.raises(BoundaryError):
            s.credit(breka.UPPER_LIMIT)
    assert not card.has_pending
    s.authenticate_with_master(breka.KEY_LOAD, K1)
    s.commit()  # nothing left to commit
    assert s.balance() == 1000 and s.load_records() == []
    assert card.commits == 0


def test_credit_past_the_upper_limit_answers_boundary_and_changes_nothing(card):
    s = session(card)
    with pytest.raises(BoundaryError) as info:
        s.credit(breka.UPPER_LIMIT - 1000 + 1)
    assert info.value.sw == 0x91BE
    s.authenticate_with_master(breka.KEY_LOAD, K1)
    assert s.balance() == 1000
    s.credit(breka.UPPER_LIMIT - 1000)  # exactly up to the limit is fine
    s.commit()
    assert s.balance() == breka.UPPER_LIMIT


def test_log_keeps_the_newest_ten_records_newest_first(card):
    s = session(card)
    ids = []
    for i in range(12):
        ids.append(uuid.uuid4())
        s.credit(1)
        s.write_load_record(LoadRecord(ids[-1], 1, 1001 + i, 7, 1_700_000_000 + i))
        s.commit()
    records = s.load_records()  # 320 bytes + CMAC: two frames
    assert [r.load_id for r in records] == ids[::-1][:10]
    assert records[0] == LoadRecord(ids[-1], 1, 1012, 7, 1_700_000_011)
    assert [r.load_id for r in s.load_records(3)] == ids[::-1][:3]
    assert s.balance() == 1012


def test_shop_key_debits_within_the_lower_limit(card):
    """K2 (shops) debits; the kiosk never holds it, so the session has no verb for it."""
    s = session(card, breka.KEY_DEBIT, DEMO_MASTER_KEYS[breka.KEY_DEBIT])
    s._secure(breka.INS_DEBIT, bytes((breka.VALUE_FILE,)) + (300).to_bytes(4, "little"))
    s.commit()
    assert s.balance() == 700
    with pytest.raises(BoundaryError):
        s._secure(breka.INS_DEBIT, bytes((breka.VALUE_FILE,)) + (701).to_bytes(4, "little"))
    s.authenticate_with_master(breka.KEY_DEBIT, DEMO_MASTER_KEYS[breka.KEY_DEBIT])
    with pytest.raises(PermissionDenied):  # K2 may not credit
        s.credit(1)
    s.authenticate_with_master(breka.KEY_DEBIT, DEMO_MASTER_KEYS[breka.KEY_DEBIT])
    with pytest.raises(PermissionDenied):  # nor write the load log
        s.write_load_record(LoadRecord(uuid.uuid4(), 1, 1, 1, 1))
    assert s.authenticated is False and card.state.applications[breka.AID].files[1].value == 700
