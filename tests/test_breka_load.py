"""The load procedure in-process (unit level): lost replies, idempotence, refusals."""

from __future__ import annotations

import uuid

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka_load import (
    LoadOutcomeUnknown,
    LoadOutcomeUnprovable,
    Settlement,
    load,
    open_for_load,
    resolve,
)
from kiosk.cardio.desfire_status import PermissionDenied
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from tests.breka_doubles import DirectConnection, MemoryJournal, issue_card

K1 = DEMO_MASTER_KEYS[breka.KEY_LOAD]


@pytest.fixture
def card(tmp_path):
    return issue_card(tmp_path, balance=100)


@pytest.mark.parametrize("ins", [breka.INS_CREDIT, breka.INS_WRITE_RECORD, breka.INS_COMMIT])
def test_a_tampered_reply_is_a_lost_reply(card, ins):
    journal, load_id = MemoryJournal(), uuid.uuid4()
    card.tamper_next_reply(ins)
    with pytest.raises(LoadOutcomeUnknown) as info:
        load(open_for_load(DirectConnection(card), K1), load_id, 50, journal)
    assert info.value.load_id == load_id and info.value.card_uid == card.uid
    assert journal.state(load_id) == "pending"
    card.power_off()  # the card leaves; what was pending is gone
    session = open_for_load(DirectConnection(card), K1)
    happened = ins == breka.INS_COMMIT
    assert resolve(session, journal) == [Settlement(load_id, happened, 150 if happened else None)]
    assert session.balance() == (150 if happened else 100)
    assert load(session, load_id, 50, journal) == 150  # retried: once, never twice
    assert session.balance() == 150 and card.commits == 1


def test_the_intent_is_journalled_before_the_first_write(card):
    seen = []

    class Watching(MemoryJournal):
        def record_intent(self, *args):
            seen.append(list(card.received))
            super().record_intent(*args)

    load(open_for_load(DirectConnection(card), K1), uuid.uuid4(), 5, Watching())
    assert seen and breka.INS_CREDIT not in seen[0] and breka.INS_WRITE_RECORD not in seen[0]
    assert card.received[-3:] == [breka.INS_CREDIT, breka.INS_WRITE_RECORD, breka.INS_COMMIT]


@pytest.mark.parametrize("amount", [0, -1, 1.5, "5"])
def test_amount_must_be_a_positive_integer(card, amount):
    journal = MemoryJournal()
    with pytest.raises(ValueError):
        load(open_for_load(DirectConnection(card), K1), uuid.uuid4(), amount, journal)
    assert journal.events == [] and breka.INS_CREDIT not in card.received


def test_a_card_error_before_commit_is_not_happened(card):
    """Authenticated with the read key: the card refuses the credit, the load did not happen."""
    journal, load_id = MemoryJournal(), uuid.uuid4()
    session = breka.BrekaSession(DirectConnection(card))
    session.authenticate_with_master(breka.KEY_READ, DEMO_MASTER_KEYS[breka.KEY_READ])
    with pytest.raises(PermissionDenied):
        load(session, load_id, 5, journal)
    assert journal.state(load_id) == "not-happened"
    assert card.received[-1] == breka.INS_ABORT and card.commits == 0


def _loads_elsewhere(card, count: int) -> None:
    """Another terminal (its own journal) loads this card `count` times."""
    for _ in range(count):
        load(open_for_load(DirectConnection(card), K1), uuid.uuid4(), 1, MemoryJournal())


def _torn_load(card, journal, load_id, lost_ins):
    card.tamper_next_reply(lost_ins)
    with pytest.raises(LoadOutcomeUnknown):
        load(open_for_load(DirectConnection(card), K1), load_id, 50, journal)
    card.power_off()


@pytest.mark.parametrize("earlier", [0, 3])
@pytest.mark.parametrize("lost_ins", [breka.INS_WRITE_RECORD, breka.INS_COMMIT])
def test_a_log_pushed_past_the_load_proves_nothing(card, earlier, lost_ins):
    """Ten loads elsewhere after a torn load: its record (if any) and the record before it are
    gone from the 10-entry log, so absence proves nothing: not released, never loaded again."""
    _loads_elsewhere(card, earlier)
    journal, load_id = MemoryJournal(), uuid.uuid4()
    _torn_load(card, journal, load_id, lost_ins)
    _loads_elsewhere(card, breka.LOG_USABLE_RECORDS)
    session = open_for_load(DirectConnection(card), K1)
    assert resolve(session, journal) == [Settlement(load_id, None, None)]
    assert journal.state(load_id) == "pending"  # the hold stays for a person to decide
    balance, commits = session.balance(), card.commits
    with pytest.raises(LoadOutcomeUnprovable):
        load(session, load_id, 50, journal)
    assert session.balance() == balance and card.commits == commits


@pytest.mark.parametrize("earlier", [0, 3, breka.LOG_USABLE_RECORDS])
def test_a_log_that_still_reaches_back_settles_it(card, earlier):
    """Fewer later loads than the log's room above the load: absence still proves not loaded."""
    _loads_elsewhere(card, earlier)
    journal, load_id = MemoryJournal(), uuid.uuid4()
    _torn_load(card, journal, load_id, breka.INS_WRITE_RECORD)  # not loaded
    _loads_elsewhere(card, breka.LOG_USABLE_RECORDS - 1 - (0 if earlier else 1))
    session = open_for_load(DirectConnection(card), K1)
    assert resolve(session, journal) == [Settlement(load_id, False, None)]
