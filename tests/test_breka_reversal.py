"""The reversal procedure in-process (unit level): the log anchor journalled before the debit,
and a torn debit settled from the card's log on both sides of its 10-record window."""

from __future__ import annotations

import uuid

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka_load import load, open_for_load
from kiosk.cardio.breka_reversal import ReversalOutcomeUnknown, ReversalOutcomeUnprovable, reverse, settle
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from tests.breka_doubles import DirectConnection, MemoryJournal, issue_card

K1 = DEMO_MASTER_KEYS[breka.KEY_LOAD]
AMOUNT = 50


@pytest.fixture
def card(tmp_path):
    return issue_card(tmp_path, balance=100)


def _session(card) -> breka.BrekaSession:
    return open_for_load(DirectConnection(card), K1)


def _loads_elsewhere(card, count: int) -> list[uuid.UUID]:
    """Another terminal (its own journal) loads this card `count` times, 1 point each."""
    ids = [uuid.uuid4() for _ in range(count)]
    for load_id in ids:
        load(_session(card), load_id, 1, MemoryJournal())
    return ids


def _torn_reversal(card, reversal_id, lost_ins) -> tuple[int, uuid.UUID | None]:
    """The reversal's reply to `lost_ins` is lost (debit/record: not applied; commit: applied
    but unheard); the card leaves. Returns what was handed to before_write."""
    seen: list[tuple[int, uuid.UUID | None]] = []
    card.tamper_next_reply(lost_ins)
    with pytest.raises(ReversalOutcomeUnknown):
        reverse(_session(card), reversal_id, AMOUNT, before_write=lambda b, a: seen.append((b, a)))
    card.power_off()
    assert len(seen) == 1
    return seen[0]


def test_the_anchor_is_handed_over_before_the_first_write(card):
    (newest,) = _loads_elsewhere(card, 1)
    seen, start = [], len(card.received)

    def before_write(balance_before, anchor):
        seen.append((balance_before, anchor, card.received[start:]))

    assert reverse(_session(card), uuid.uuid4(), AMOUNT, before_write=before_write) == 101 - AMOUNT
    ((balance_before, anchor, received),) = seen
    assert (balance_before, anchor) == (101, newest)
    assert breka.INS_DEBIT not in received and breka.INS_WRITE_RECORD not in received
    assert card.received[-3:] == [breka.INS_DEBIT, breka.INS_WRITE_RECORD, breka.INS_COMMIT]


def test_an_empty_log_is_anchored_as_none(card):
    seen = []
    reverse(_session(card), uuid.uuid4(), AMOUNT, before_write=lambda b, a: seen.append((b, a)))
    assert seen == [(100, None)]


@pytest.mark.parametrize("history", [0, 1, 4])  # records on the log before the reversal
@pytest.mark.parametrize("lost_ins", [breka.INS_WRITE_RECORD, breka.INS_COMMIT])
def test_ten_records_elsewhere_after_a_torn_debit_prove_nothing(card, history, lost_ins):
    """Ten loads at other terminals after the tear: the reversal's record (if any) and its anchor
    are gone from the log, so absence proves nothing: never debited again, never given up."""
    _loads_elsewhere(card, history)
    reversal_id = uuid.uuid4()
    _balance, anchor = _torn_reversal(card, reversal_id, lost_ins)
    _loads_elsewhere(card, breka.LOG_USABLE_RECORDS)
    session = _session(card)
    balance, commits = session.balance(), card.commits
    with pytest.raises(ReversalOutcomeUnprovable) as info:
        settle(session.load_records(), reversal_id, anchor)
    assert info.value.reversal_id == reversal_id
    assert session.balance() == balance and card.commits == commits  # settle writes nothing
    happened = lost_ins == breka.INS_COMMIT
    assert balance == 100 + history + breka.LOG_USABLE_RECORDS - (AMOUNT if happened else 0)


@pytest.mark.parametrize("history", [0, 1, 4])
@pytest.mark.parametrize("lost_ins", [breka.INS_WRITE_RECORD, breka.INS_COMMIT])
def test_nine_records_elsewhere_still_settle_it(card, history, lost_ins):
    """One record fewer: the log still reaches back (the anchor is its oldest record, or it has
    never been full), so it is found, or its absence proves "not debited" and a retry debits once."""
    _loads_elsewhere(card, history)
    reversal_id = uuid.uuid4()
    _balance, anchor = _torn_reversal(card, reversal_id, lost_ins)
    _loads_elsewhere(card, breka.LOG_USABLE_RECORDS - 1)
    session = _session(card)
    found = settle(session.load_records(), reversal_id, anchor)
    expected = 100 + history + breka.LOG_USABLE_RECORDS - 1 - AMOUNT
    if lost_ins == breka.INS_COMMIT:
        assert found is not None and found.type == breka.TYPE_REVERSAL and found.delta == -AMOUNT
        assert session.balance() == expected
    else:
        assert found is None
        assert reverse(session, reversal_id, AMOUNT, before_write=lambda b, a: None) == expected
        assert session.balance() == expected  # debited once


def test_an_unknown_anchor_on_a_full_log_proves_nothing(card):
    """A reversal journalled before anchors existed (None) with a full log: not provable."""
    _loads_elsewhere(card, breka.LOG_USABLE_RECORDS)
    with pytest.raises(ReversalOutcomeUnprovable):
        settle(_session(card).load_records(), uuid.uuid4(), None)
