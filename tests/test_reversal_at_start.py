"""A correction torn at its card write, settled when its Breka card is tapped at the start screen
(the correction screen long closed), over the real pcscd, virtual cards and the cloud simulator:
the card's log decides and the card is never written there; the points come back once."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.exchange.reversal import Reversals, RStep
from kiosk.exchange.view import Phase
from kiosk.rules import JST
from tests.exchange_world import breka_balance
from tests.test_reversal import ISSUED, LOADED, POINTS, exchanged, torn_reversal

pytestmark = [pytest.mark.pcsc, pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture
def world(faulty_world):
    return faulty_world


def tap_at_start(world, card):
    """The citizen taps a Breka card on the start screen (no clerk, no correction screen)."""
    assert world.engine.view.phase is Phase.WAIT_MYNUMBER
    with world.on_reader(card):
        return world.engine.card_tapped()


def used(world) -> tuple[int, int]:
    month = datetime.now(JST).strftime("%Y-%m")
    totals = world.parts.cloud.monthly(month, month)["totals"]["used"]
    return totals["count"], totals["points"]


def reversal_records(world, exchange_id: str) -> int:
    rows = world.parts.store.query(
        "SELECT COUNT(*) AS n FROM outbox WHERE exchange_id = ? AND kind = 'reversal'", (exchange_id,)
    )
    return rows[0]["n"]


def test_a_debited_torn_correction_is_finished_by_a_tap_at_the_start_screen(world):
    mynumber, breka, exchange_id, rev, _holder, reversal_id = torn_reversal(world, "after")
    count, points = used(world)
    assert world.usable(mynumber) == ISSUED - POINTS  # the cloud has returned nothing yet
    view = tap_at_start(world, breka)
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "correction_finished"
    assert rev.get(reversal_id).state is RStep.REVERSED
    assert RStep.CARD_NOT_DONE not in rev.steps(reversal_id)
    assert breka_balance(breka) == 0  # debited once, at the torn write; not again at the tap
    assert world.usable(mynumber) == ISSUED and used(world) == (count - 1, points - POINTS)
    assert reversal_records(world, exchange_id) == 1
    record = world.parts.outbox.reversal_record_for(exchange_id)
    assert record["load_id"] == reversal_id and record["loaded"] == -LOADED
    # The same card again: nothing left to settle, nothing changes.
    assert tap_at_start(world, breka).problem.code == "mynumber_first"
    assert breka_balance(breka) == 0 and world.usable(mynumber) == ISSUED
    assert used(world) == (count - 1, points - POINTS) and reversal_records(world, exchange_id) == 1


def test_an_undebited_torn_correction_is_not_debited_at_the_start_screen(world):
    """Not applied: the tap proves it (the log reaches back to the anchor), and takes nothing
    (no clerk is there to make the correction); recovery then ends it, and the clerk may
    start the correction again."""
    mynumber, breka, exchange_id, rev, _holder, reversal_id = torn_reversal(world, "before")
    view = tap_at_start(world, breka)
    assert view.problem.code == "correction_needs_staff"
    assert rev.get(reversal_id).state is RStep.CARD_NOT_DONE
    assert breka_balance(breka) == LOADED  # not debited
    assert world.usable(mynumber) == ISSUED - POINTS
    assert rev.recover(abandon_after_s=0, only={reversal_id})["abandoned"] == [reversal_id]
    assert rev.get(reversal_id).state is RStep.ABANDONED
    assert reversal_records(world, exchange_id) == 0 and breka_balance(breka) == LOADED
    assert rev.check(exchange_id).exchange_id == exchange_id  # a new correction may start


def test_the_cloud_lost_at_the_start_screen_tap_is_finished_once_by_recovery(world):
    """The cloud takes the return but its answer is lost (every try): the correction stays due,
    with no record; recovery resends it (idempotent under the reversal id): the points come
    back once, one record."""
    mynumber, breka, exchange_id, rev, _holder, reversal_id = torn_reversal(world, "after")
    count, points = used(world)
    world.admin.fault("/v1/exchanges/*/reverse", "drop", phase="after", count=1000)
    assert tap_at_start(world, breka).problem.code == "correction_finished"
    row = rev.get(reversal_id)
    assert row.state is RStep.CLOUD_REQUESTED and row.last_error
    assert reversal_records(world, exchange_id) == 0 and breka_balance(breka) == 0
    world.admin.clear_faults()
    assert rev.recover()["reversed"] == [reversal_id]
    assert rev.get(reversal_id).state is RStep.REVERSED
    assert world.usable(mynumber) == ISSUED and used(world) == (count - 1, points - POINTS)
    assert reversal_records(world, exchange_id) == 1 and breka_balance(breka) == 0
    assert rev.recover()["reversed"] == []  # nothing more to send


def test_another_citizens_breka_card_leaves_the_correction_waiting(world):
    mynumber, breka, exchange_id, rev, _holder, reversal_id = torn_reversal(world, "after")
    _other_mynumber, other_breka, _other_exchange = exchanged(world)
    assert tap_at_start(world, other_breka).problem.code == "mynumber_first"
    row = rev.get(reversal_id)
    assert row.state is RStep.CARD_INTENT and row.last_error is None
    assert rev.steps(reversal_id) == [RStep.REQUESTED, RStep.CARD_INTENT]
    assert breka_balance(other_breka) == LOADED and breka_balance(breka) == 0
    assert world.usable(mynumber) == ISSUED - POINTS
    # Its own card still settles it.
    assert tap_at_start(world, breka).problem.code == "correction_finished"
    assert rev.get(reversal_id).state is RStep.REVERSED


def test_the_kiosk_wires_one_reversals_into_the_engine(world):
    assert isinstance(world.parts.reversals, Reversals) and world.engine.reversals is world.parts.reversals


def test_the_running_kiosk_ends_an_undebited_correction_once_it_is_stale(world):
    """The follow-up (every 15 s while the counter is idle) ends a correction that wrote
    nothing once it has waited ABANDON_AFTER_S; before, only a restart's recovery did, and
    until then the clerk could not start the correction again."""
    from datetime import timedelta

    from kiosk.exchange.follow_up import FollowUp
    from kiosk.exchange.reversal import ABANDON_AFTER_S

    mynumber, breka, exchange_id, rev, _holder, reversal_id = torn_reversal(world, "before")
    assert tap_at_start(world, breka).problem.code == "correction_needs_staff"
    follow_up = FollowUp(world.parts.journal, world.parts.finisher, reversals=rev)
    assert reversal_id not in follow_up.due()  # young: the clerk may still be at it
    follow_up.run()
    assert rev.get(reversal_id).state is RStep.CARD_NOT_DONE
    real = rev.clock
    rev.clock = lambda: real() + timedelta(seconds=ABANDON_AFTER_S + 1)
    assert reversal_id in follow_up.due()
    follow_up.run()
    assert rev.get(reversal_id).state is RStep.ABANDONED
    assert reversal_id not in follow_up.due()
    assert breka_balance(breka) == LOADED and world.usable(mynumber) == ISSUED - POINTS  # nothing moved
    rev.clock = real  # the same JST day as the exchange
    assert rev.check(exchange_id).exchange_id == exchange_id  # the clerk may start it again
