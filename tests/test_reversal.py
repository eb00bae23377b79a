"""Corrections over the real pcscd, virtual cards and the cloud simulator: a committed exchange
is reversed the same day with both cards present; the card loses the loaded points exactly
once (also across a tear during the reversal write), the cloud gives the points back, and a
settlement record of kind "reversal" nets the exchange's; spent points refuse it."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from kiosk.cardio.breka import AID, VALUE_FILE
from kiosk.cardio.breka_reversal import ReversalOutcomeUnknown, ReversalOutcomeUnprovable
from kiosk.cardio.errors import CardError
from kiosk.exchange.follow_up import FollowUp
from kiosk.exchange.recovery import ALERT_REVERSAL_UNPROVABLE, alerts
from kiosk.exchange.reversal import NotReversible, Reversals, RStep, prove_holder
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.rules import JST
from kiosk.store import audit
from kiosk.sync.cloud_errors import CloudError
from kiosk.sync.settlement_record import public_key_bytes
from tests.exchange_world import breka_balance, loads_elsewhere

pytestmark = [pytest.mark.pcsc, pytest.mark.slow, pytest.mark.timeout(240)]

ISSUED, POINTS, FEE, LOADED = 10_000, 500, 45, 455
REVERSAL_COMMIT_APDU = 9  # UID, select, authenticate (2), log, balance, debit, record, commit
_names = itertools.count()


@pytest.fixture
def world(faulty_world):
    return faulty_world


def exchanged(world):
    """A citizen exchanges 500 points (455 loaded onto their Breka card): committed."""
    mynumber, breka, _ = world.citizen(f"rv-{next(_names)}", points=ISSUED)
    engine = world.engine
    with world.on_reader(mynumber):
        engine.card_tapped()
        assert engine.enter_pin("1234").phase is Phase.AMOUNT
    engine.choose_amount(POINTS)
    exchange_id = engine.confirm().exchange_id
    with world.on_reader(breka):
        assert engine.card_tapped().phase is Phase.DONE
    engine.cancel("done")
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED and breka_balance(breka) == LOADED
    return mynumber, breka, exchange_id


def reversals(world) -> Reversals:
    return Reversals(world.parts.journal, world.parts.outbox, world.parts.cloud, world.parts.finisher.keys)


def begin(world, rev: Reversals, mynumber, exchange_id: str):
    """The citizen's My Number Card and PIN prove the holder; the clerk starts the reversal."""
    with world.on_reader(mynumber):
        conn = world.parts.reader.connect()
        try:
            holder = prove_holder(conn, "1234", world.parts.cloud)
        finally:
            conn.close()
    return holder, rev.begin(exchange_id, holder.mykey_id, "sato", "wrong amount chosen")


def breka_on_reader(world, rev: Reversals, reversal_id: str, breka, **insert):
    with world.on_reader(breka, **insert) as holder:
        conn = world.parts.reader.connect()
        try:
            return rev.on_card(reversal_id, conn, world.parts.finisher.keys.load_master())
        finally:
            conn.close()
            holder.wait_removed(timeout=2.0) if insert else None


def test_a_reversal_gives_the_points_back_and_nets_in_a_signed_record(world):
    mynumber, breka, exchange_id = exchanged(world)
    month = datetime.now(JST).strftime("%Y-%m")
    used_before = world.parts.cloud.monthly(month, month)["totals"]["used"]
    rev = reversals(world)
    holder, reversal_id = begin(world, rev, mynumber, exchange_id)
    assert breka_on_reader(world, rev, reversal_id, breka).state is RStep.CARD_DONE
    assert breka_balance(breka) == 0
    assert rev.finish(reversal_id, holder).state is RStep.REVERSED
    assert rev.steps(reversal_id) == [
        RStep.REQUESTED,
        RStep.CARD_INTENT,
        RStep.CARD_DONE,
        RStep.CLOUD_REQUESTED,
        RStep.REVERSED,
    ]
    assert world.usable(mynumber) == ISSUED  # the cloud gave the points back
    used_after = world.parts.cloud.monthly(month, month)["totals"]["used"]
    assert (used_after["count"], used_after["points"]) == (used_before["count"] - 1, used_before["points"] - POINTS)
    record = world.parts.outbox.reversal_record_for(exchange_id)
    original = world.parts.outbox.record_for(exchange_id)
    assert record["kind"] == "reversal" and "kind" not in original
    assert (record["points_used"], record["fee"], record["loaded"]) == (-POINTS, -FEE, -LOADED)
    assert record["load_id"] == reversal_id and record["exchange_id"] == exchange_id
    assert original["points_used"] + record["points_used"] == 0
    faults = world.parts.outbox.verify(public_key_bytes(world.parts.finisher.keys.device_key()))
    assert faults == []
    # The cloud takes the signed reversal record in the terminal's chain.
    answer = world.client().upload_batch(world.parts.outbox.unsent())
    assert record["record_id"] in answer["accepted"] + answer["duplicates"]
    assert original["record_id"] in answer["accepted"] + answer["duplicates"]
    assert answer["rejected"] == []
    # Idempotent: the same reversal again is the same answer; a second reversal is refused.
    again = world.parts.cloud.reverse(
        exchange_id,
        reversal_id=reversal_id,
        card_ref=record["card_ref"],
        unloaded=LOADED,
        balance_after=0,
        reason="wrong amount chosen",
    )
    assert again["points_returned"] == POINTS and world.usable(mynumber) == ISSUED
    with pytest.raises(NotReversible) as refused:
        rev.begin(exchange_id, holder.mykey_id, "sato", "again")
    assert refused.value.code == "already_reversed"
    actions = [(e.action, e.detail.get("clerk")) for e in audit.entries(world.parts.store)]
    assert ("reversal_requested", "sato") in actions and ("reversed", "sato") in actions


def test_spent_points_refuse_the_reversal_and_nothing_changes(world):
    mynumber, breka, exchange_id = exchanged(world)
    breka.state.applications[AID].files[VALUE_FILE].value -= 100  # bought something at a shop
    rev = reversals(world)
    _holder, reversal_id = begin(world, rev, mynumber, exchange_id)
    with pytest.raises(NotReversible) as refused:
        breka_on_reader(world, rev, reversal_id, breka)
    assert refused.value.code == "points_spent"
    assert rev.get(reversal_id).state is RStep.ABANDONED
    assert breka_balance(breka) == LOADED - 100
    assert world.usable(mynumber) == ISSUED - POINTS
    assert world.parts.outbox.reversal_record_for(exchange_id) is None


def test_another_holder_or_a_blank_reason_cannot_start_a_reversal(world):
    mynumber, _breka, exchange_id = exchanged(world)
    other, _other_breka, _ = world.citizen(f"rv-other-{next(_names)}", points=ISSUED)
    rev = reversals(world)
    with pytest.raises(NotReversible) as refused:
        begin(world, rev, other, exchange_id)
    assert refused.value.code == "other_holder"
    with pytest.raises(ValueError, match="reason"):
        rev.begin(exchange_id, "whoever", "sato", "  ")
    assert rev.of_exchange(exchange_id) == []


@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_tear_during_the_reversal_write_is_settled_by_the_card_log(world, mode):
    """The Breka card leaves at the reversal's commit (before: not applied; after: applied but
    unheard). The same card again: its log decides, the points are taken exactly once."""
    mynumber, breka, exchange_id = exchanged(world)
    rev = reversals(world)
    holder, reversal_id = begin(world, rev, mynumber, exchange_id)
    with pytest.raises((ReversalOutcomeUnknown, CardError)):
        breka_on_reader(world, rev, reversal_id, breka, remove_after=REVERSAL_COMMIT_APDU, remove_mode=mode)
    assert rev.get(reversal_id).state is RStep.CARD_INTENT
    assert breka_balance(breka) == (0 if mode == "after" else LOADED)
    assert rev.recover()["waiting_for_card"] == [reversal_id]  # nobody's word settles it
    assert breka_on_reader(world, rev, reversal_id, breka).state is RStep.CARD_DONE
    assert breka_balance(breka) == 0  # once, not twice
    steps = rev.steps(reversal_id)
    assert (RStep.CARD_NOT_DONE in steps) == (mode == "before")
    # The cloud is down when the card is done: the follow-up finishes it without a restart.
    world.admin.fault("/v1/exchanges/*/reverse", "error", phase="before", status=503, count=1000)
    with pytest.raises(CloudError):
        rev.finish(reversal_id, holder)
    assert rev.get(reversal_id).state is RStep.CLOUD_REQUESTED
    world.admin.clear_faults()
    follow = FollowUp(world.parts.journal, world.parts.finisher, reversals=rev)
    assert reversal_id in follow.due()
    follow.run()
    assert rev.get(reversal_id).state is RStep.REVERSED
    assert world.usable(mynumber) == ISSUED
    count = world.parts.store.query(
        "SELECT COUNT(*) AS n FROM outbox WHERE exchange_id = ? AND kind = 'reversal'", (exchange_id,)
    )[0]["n"]
    assert count == 1


def torn_reversal(world, mode: str):
    """A committed exchange whose reversal is cut off at the card's commit (before: not applied;
    after: applied but unheard): it waits at card_intent, anchored at the exchange's load."""
    mynumber, breka, exchange_id = exchanged(world)
    rev = reversals(world)
    holder, reversal_id = begin(world, rev, mynumber, exchange_id)
    with pytest.raises((ReversalOutcomeUnknown, CardError)):
        breka_on_reader(world, rev, reversal_id, breka, remove_after=REVERSAL_COMMIT_APDU, remove_mode=mode)
    row = rev.get(reversal_id)
    assert row.state is RStep.CARD_INTENT and row.log_anchor == exchange_id  # the newest record before
    assert breka_balance(breka) == (0 if mode == "after" else LOADED)
    return mynumber, breka, exchange_id, rev, holder, reversal_id


def raised(world, reversal_id: str) -> list[dict]:
    return [a for a in alerts(world.parts.journal) if a.get("reversal_id") == reversal_id]


@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_torn_reversal_pushed_out_of_the_cards_log_is_parked_for_a_person(world, mode):
    """Ten loads of 100 at another terminal after the tear: the reversal's record (if written)
    and its anchor are gone from the card's 10-record log, so absence proves nothing. The debit
    is neither repeated (the card holds enough for it) nor given up: parked, raised once."""
    mynumber, breka, exchange_id, rev, holder, reversal_id = torn_reversal(world, mode)
    loads_elsewhere(world, breka, 10, 100)
    balance = (0 if mode == "after" else LOADED) + 1_000
    assert breka_balance(breka) == balance
    for _ in range(2):  # the clerk tries twice: the card cannot tell either time
        with pytest.raises(ReversalOutcomeUnprovable):
            breka_on_reader(world, rev, reversal_id, breka)
    assert breka_balance(breka) == balance  # not debited (again)
    row = rev.get(reversal_id)
    assert row.state is RStep.CARD_INTENT and row.last_error == "card_log_too_short"
    assert RStep.CARD_NOT_DONE not in rev.steps(reversal_id)
    # Nothing releases it: not recovery (however old), not the follow-up, not a clerk.
    assert rev.recover(abandon_after_s=0, only={reversal_id})["waiting_for_card"] == [reversal_id]
    assert reversal_id not in FollowUp(world.parts.journal, world.parts.finisher, reversals=rev).due()
    with pytest.raises(ValueError, match="card may have changed"):
        rev.abandon(reversal_id, "sato", "holder left")
    assert rev.finish(reversal_id, holder).state is RStep.CARD_INTENT
    with pytest.raises(NotReversible) as refused:
        rev.begin(exchange_id, holder.mykey_id, "sato", "again")
    assert refused.value.code == "already_reversed"
    assert world.usable(mynumber) == ISSUED - POINTS  # the cloud returned nothing
    assert world.parts.outbox.reversal_record_for(exchange_id) is None
    alert = raised(world, reversal_id)
    assert [(a["kind"], a["exchange_id"], a["unloaded"]) for a in alert] == [
        (ALERT_REVERSAL_UNPROVABLE, exchange_id, LOADED)
    ]  # raised once, with its figures, for the clerk screen
    from kiosk.exchange.view import short_number
    from kiosk.ui.clerk import _alert_text

    assert "455" in _alert_text(alert[0]) and short_number(exchange_id) in _alert_text(alert[0])


@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_torn_reversal_whose_log_still_reaches_back_is_settled(world, mode):
    """Nine loads elsewhere after the tear: the log is full but still holds the anchor (or the
    reversal's record), so it decides as before: the points are taken exactly once."""
    mynumber, breka, exchange_id, rev, holder, reversal_id = torn_reversal(world, mode)
    loads_elsewhere(world, breka, 9, 1)
    assert breka_on_reader(world, rev, reversal_id, breka).state is RStep.CARD_DONE
    assert breka_balance(breka) == 9  # 455 taken back once, the other terminal's 9 kept
    assert (RStep.CARD_NOT_DONE in rev.steps(reversal_id)) == (mode == "before")
    assert rev.finish(reversal_id, holder).state is RStep.REVERSED
    assert world.usable(mynumber) == ISSUED
    assert raised(world, reversal_id) == []
