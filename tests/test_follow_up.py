"""Commit follow-up while the kiosk runs, over the real pcscd, virtual cards and the cloud
simulator: a commit the cloud refuses after the card load is retried with a backoff of its own
and finishes without a restart, queueing exactly one settlement record."""

from __future__ import annotations

import itertools

import pytest

from kiosk.exchange.follow_up import FollowUp, backoff
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.ui.app import Kiosk
from kiosk.ui.window import UiSettings
from tests.exchange_world import breka_balance

pytestmark = [pytest.mark.pcsc, pytest.mark.slow, pytest.mark.timeout(180)]

ISSUED, POINTS, LOADED = 10_000, 500, 455
_names = itertools.count()


@pytest.fixture
def world(faulty_world):
    return faulty_world


def loaded_but_refused(world) -> tuple[object, object, str]:
    """A citizen exchanges 500 points; the card is loaded, the cloud refuses the commit."""
    mynumber, breka, _ = world.citizen(f"fu-{next(_names)}", points=ISSUED)
    engine = world.engine
    with world.on_reader(mynumber):
        engine.card_tapped()
        assert engine.enter_pin("1234").phase is Phase.AMOUNT
    engine.choose_amount(POINTS)
    exchange_id = engine.confirm().exchange_id
    world.admin.fault("/v1/exchanges/*/commit", "error", phase="before", status=503, count=1000)
    with world.on_reader(breka):
        view = engine.card_tapped()
    assert view.phase is Phase.DONE and view.receipt.cloud_pending
    assert breka_balance(breka) == LOADED
    assert world.parts.journal.get(exchange_id).state is Step.COMMIT_REQUESTED
    return mynumber, breka, exchange_id


def records_for(world, exchange_id: str) -> int:
    return world.parts.store.query("SELECT COUNT(*) AS n FROM outbox WHERE exchange_id = ?", (exchange_id,))[0]["n"]


def test_a_refused_commit_is_retried_with_backoff_and_finishes_with_one_record(world):
    mynumber, _breka, exchange_id = loaded_but_refused(world)
    now = [0.0]
    follow = FollowUp(world.parts.journal, world.parts.finisher, clock=lambda: now[0])
    assert exchange_id in follow.due()
    report = follow.run()
    assert report.failed.get(exchange_id) and records_for(world, exchange_id) == 0
    (pending,) = [p for p in follow.pending() if p.row.exchange_id == exchange_id]
    assert pending.failures == 1 and pending.next_try_s == backoff(1) == 30
    assert exchange_id not in follow.due()  # its backoff runs: the next tick leaves it alone
    now[0] += 30
    follow.run()  # refused again: the wait doubles
    (pending,) = [p for p in follow.pending() if p.row.exchange_id == exchange_id]
    assert pending.failures == 2 and pending.next_try_s == 60
    world.admin.clear_faults()  # the cloud accepts again
    now[0] += 59
    assert follow.run().committed == []  # not yet due
    now[0] += 1
    assert follow.run().committed == [exchange_id]
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED
    assert records_for(world, exchange_id) == 1
    assert world.parts.outbox.record_for(exchange_id)["loaded"] == LOADED
    assert world.usable(mynumber) == ISSUED - POINTS
    now[0] += 3600
    assert follow.run(force=True).committed == [] and records_for(world, exchange_id) == 1


def test_the_running_kiosk_finishes_a_refused_commit_on_its_timer(world, qtbot, vpcd_slot):
    """The GUI's follow-up timer (no restart): first try refused, the retry after the backoff
    commits; the clerk's list showed the exchange with its state meanwhile."""
    mynumber, _breka, exchange_id = loaded_but_refused(world)
    settings = UiSettings.from_config(world.cfg)
    kiosk = Kiosk(world.cfg, world.parts, reader_name=vpcd_slot.reader, settings=settings)
    qtbot.addWidget(kiosk.window)
    now = [0.0]
    kiosk.retries.clock = lambda: now[0]
    kiosk.start(monitor=False, recover=False)
    try:
        kiosk._follow_up()  # what the timer does
        qtbot.waitUntil(lambda: kiosk.retries.pending()[0].failures == 1, timeout=15_000)
        clerk = kiosk.window.pages["clerk"]
        clerk.refresh()
        assert clerk.unfinished.count() == 1 and exchange_id[:8].upper() in clerk.unfinished.item(0).text()
        world.admin.clear_faults()
        kiosk._follow_up()  # within the backoff: nothing is sent
        assert kiosk.retries.due() == set()
        now[0] += 30
        # The timer skips a busy window; the worker's "not busy" reaches the GUI thread by a
        # queued signal, after the retry's own state changed: wait for it, as the timer would.
        qtbot.waitUntil(lambda: not kiosk.window.busy, timeout=15_000)
        kiosk._follow_up()
        qtbot.waitUntil(lambda: world.parts.journal.get(exchange_id).state is Step.COMMITTED, timeout=15_000)
        assert records_for(world, exchange_id) == 1
        assert world.usable(mynumber) == ISSUED - POINTS
        assert kiosk.retries.pending() == []
    finally:
        kiosk.stop()
