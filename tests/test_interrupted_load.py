"""An interrupted Breka load over the real pcscd, virtual cards and the simulator: a clerk can
end it only with the card's log, a cancelled exchange never loads again, the screen follows
the clerk's decision, and a load found on a card for a cancelled exchange is raised once."""

from __future__ import annotations

import pytest

from kiosk.app import build
from kiosk.exchange.finish import CardNeeded
from kiosk.exchange.recovery import ALERT_LOAD_ON_CANCELLED, ALERT_LOAD_UNPROVABLE, alerts
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.store import audit
from tests.exchange_world import COMMIT_APDU, World, breka_balance, interrupted_load, loads_elsewhere

pytestmark = pytest.mark.pcsc


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    yield w
    w.close()


def interrupted(world, name: str, mode: str = "before"):
    """Step 1 of the path: the load is cut off at its last command; the screen waits."""
    return interrupted_load(world, name, COMMIT_APDU, mode)


def books(world, exchange_id):
    return world.parts.journal.get(exchange_id).state, world.parts.outbox.record_for(exchange_id) is not None


def test_the_clerk_ends_it_with_the_card_and_the_screen_follows(world):
    mynumber, breka, exchange_id = interrupted(world, "clerk-here")
    with pytest.raises(CardNeeded):  # step 2 without the card: nobody's word settles a load
        world.engine.clerk_cancel(exchange_id, "holder left", "sato")
    assert world.engine.view.phase is Phase.TAP_BREKA
    with world.on_reader(breka):  # with it: the log says not loaded, so cancelled
        outcome, view = world.engine.clerk_cancel(exchange_id, "holder left", "sato")
    assert outcome == "cancelled"
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "cancelled_by_clerk"  # step 3
    with world.on_reader(breka):  # step 4: the same card put down again loads nothing
        view = world.engine.card_tapped()
    assert view.problem.code == "mynumber_first"
    assert books(world, exchange_id) == (Step.CANCELLED, False)
    assert breka_balance(breka) == 0 and world.usable(mynumber) == 1_000
    steps = world.parts.journal.steps(exchange_id)
    assert steps[-1] is Step.CANCELLED and Step.LOAD_INTENT not in steps[steps.index(Step.CANCEL_REQUESTED) :]


def test_cancelled_elsewhere_while_the_screen_waits_never_loads(world):
    mynumber, breka, exchange_id = interrupted(world, "clerk-cli")
    other = build(world.cfg)  # what `kiosk exchanges cancel` builds: its own reader and cloud client
    try:
        with world.on_reader(breka):
            assert other.engine.clerk_cancel(exchange_id, "holder left", "sato")[0] == "cancelled"
    finally:
        other.close()
    with world.on_reader(breka):  # the citizen screen still says "place the same card again"
        view = world.engine.card_tapped()
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "cancelled_by_clerk"
    assert books(world, exchange_id) == (Step.CANCELLED, False)
    assert breka_balance(breka) == 0 and world.usable(mynumber) == 1_000


def test_a_committed_load_is_finished_not_cancelled(world):
    mynumber, breka, exchange_id = interrupted(world, "clerk-loaded", mode="after")
    with world.on_reader(breka):
        outcome, view = world.engine.clerk_cancel(exchange_id, "holder says card lost", "sato")
    assert outcome == "committed" and view.problem.code == "completed_by_clerk"
    assert books(world, exchange_id) == (Step.COMMITTED, True)
    assert breka_balance(breka) == 455 and world.usable(mynumber) == 500


def test_a_load_found_for_a_cancelled_exchange_is_raised_once_with_its_figures(world):
    """A card whose log holds an exchange the books say was cancelled (a database restored
    from before the commit, or the old clerk cancel): points given without points taken."""
    _mynumber, breka, exchange_id = interrupted(world, "alert", mode="after")
    with world.parts.store.transaction() as tx:  # the books as a stale copy would have them
        tx.execute("UPDATE exchanges SET state = 'cancelled' WHERE exchange_id = ?", (exchange_id,))
    world.engine.reset()
    for _ in range(2):
        with world.on_reader(breka):
            world.engine.card_tapped()
    found = alerts(world.parts.journal)
    assert [(a["exchange_id"], a["loaded"], a["balance_after"]) for a in found] == [(exchange_id, 455, 455)]
    assert [e.action for e in audit.entries(world.parts.store)].count(ALERT_LOAD_ON_CANCELLED) == 1
    assert world.parts.journal.get(exchange_id).state is Step.CANCELLED  # never revived


def test_the_books_know_a_card_only_by_its_keyed_hash(world):
    """The raw Breka UID identifies a citizen's card: the journal keeps only its keyed hash,
    and still recognises the card when it comes back."""
    _mynumber, breka, exchange_id = interrupted(world, "hashed", mode="after")
    row = world.parts.journal.get(exchange_id)
    assert row.card_uid is None and row.card_ref and len(row.card_ref) == 32
    world.engine.reset()  # parked
    with world.on_reader(breka):  # recognised by the hash: the parked load is settled
        assert world.engine.card_tapped().problem.code == "pending_finished"
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED
    db = world.cfg.store_path
    blobs = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())
    uid = breka.uid
    assert uid.hex().encode() not in blobs and uid.hex().upper().encode() not in blobs and uid not in blobs


def test_an_idle_wipe_of_a_held_exchange_says_so_and_releases_the_hold(world):
    mynumber, _breka, _ = world.citizen("idle-held", points=1_000)
    with world.on_reader(mynumber):
        world.engine.card_tapped()
        world.engine.enter_pin("1234")
    world.engine.choose_amount(500)
    exchange_id = world.engine.confirm().exchange_id
    view = world.engine.reset()  # the idle wipe at "place your Breka card"
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "idle_cancelled"
    assert books(world, exchange_id) == (Step.CANCELLED, False)
    assert world.usable(mynumber) == 1_000


def test_a_load_pushed_out_of_the_cards_log_is_held_for_a_person(world):
    """A load cut off after its commit, then ten loads at other terminals before the card comes
    back: its record is gone from the card's 10-entry log. Absence then proves nothing, so the
    kiosk neither loads it again nor releases the hold: it parks it and raises it to the clerk."""
    from kiosk.cardio.breka_load import LoadOutcomeUnprovable

    mynumber, breka, exchange_id = interrupted(world, "pushed-out", mode="after")
    loads_elsewhere(world, breka)  # another terminal, its own journal
    assert breka_balance(breka) == 465  # 455 from the torn load, which did happen, + 10
    with world.on_reader(breka):
        view = world.engine.card_tapped()
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "load_waits_for_card"
    assert breka_balance(breka) == 465  # not loaded twice
    assert books(world, exchange_id) == (Step.LOAD_INTENT, False)
    assert world.usable(mynumber) == 500  # the hold stays: not released either

    def raised():
        return [a["kind"] for a in alerts(world.parts.journal) if a["exchange_id"] == exchange_id]

    assert raised() == [ALERT_LOAD_UNPROVABLE]
    with world.on_reader(breka), pytest.raises(LoadOutcomeUnprovable):
        world.engine.clerk_cancel(exchange_id, "holder left", "sato")
    assert books(world, exchange_id) == (Step.LOAD_INTENT, False)
    assert raised() == [ALERT_LOAD_UNPROVABLE]  # raised once
