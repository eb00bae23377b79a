"""Anonymous visit counts: each way a visit ends, through the real engine, pcscd with
virtual cards and the simulator, counted once per visit, per JST month, nothing else kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.exchange.view import Phase
from kiosk.rules import JST
from kiosk.store import visits
from kiosk_demo.mynumber_card import MyNumberCard
from tests.exchange_world import World

pytestmark = pytest.mark.pcsc


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    yield w
    w.close()


def _counts(world) -> dict[str, int]:
    month = datetime.now(UTC).astimezone(JST).strftime("%Y-%m")
    return visits.monthly(world.parts.store, month, month).get(month, {})


def _sign_in(world, card):
    with world.on_reader(card):
        assert world.engine.card_tapped().phase is Phase.PIN
        return world.engine.enter_pin("1234")


def test_each_way_a_visit_ends_is_counted_once(world):
    engine = world.engine
    # completed
    mynumber, breka, _ = world.citizen("v-done", points=1_000)
    assert _sign_in(world, mynumber).phase is Phase.AMOUNT
    engine.choose_amount(500)
    engine.confirm()
    with world.on_reader(breka):
        assert engine.card_tapped().phase is Phase.DONE
    engine.reset()  # the idle wipe after the receipt: the visit is counted already
    # cancelled by the citizen
    mynumber, _, _ = world.citizen("v-cancel", points=1_000)
    _sign_in(world, mynumber)
    engine.cancel()
    # no usable points; the citizen then gives up (still counted as "no usable points")
    mynumber, _, _ = world.citizen("v-none", points=0)
    assert _sign_in(world, mynumber).usable == 0
    engine.cancel()
    # only reserved points, left to time out
    mynumber, _, mykey = world.citizen("v-reserved", points=0)
    world.admin.post("/sim/reserved", {"mykey_id": mykey, "points": 800})
    view = _sign_in(world, mynumber)
    assert view.usable == 0 and view.reserved == 800
    engine.reset()
    # timed out with points to exchange
    mynumber, _, _ = world.citizen("v-idle", points=1_000)
    _sign_in(world, mynumber)
    engine.reset()
    # no MyKey ID: a card the cloud has never enrolled; the citizen does not want one set up
    stranger = MyNumberCard.open(world.env.mynumber_card("v-stranger"))
    view = _sign_in(world, stranger)
    assert view.phase is Phase.MYKEY_CONSENT
    assert engine.decline_mykey().problem.code == "mykey_declined"
    # a locked PIN, tapped
    locked = MyNumberCard.open(world.env.mynumber_card("v-locked", pin="9999"))
    with world.on_reader(locked):
        engine.card_tapped()
        engine.enter_pin("1111")
        engine.enter_pin("1111")
        assert engine.enter_pin("1111", confirm_last_try=True).phase is Phase.LOCKED
    # the cloud down at sign-in
    mynumber, _, _ = world.citizen("v-down", points=1_000)
    world.admin.fault("/v1/auth/holder", "error", status=503, count=5)
    try:
        view = _sign_in(world, mynumber)
    finally:
        world.admin.clear_faults()
    assert view.phase is Phase.FAILED
    assert _counts(world) == {
        "completed": 1,
        "cancelled_by_citizen": 1,
        "no_usable_points": 1,
        "reserved_only": 1,
        "timed_out": 1,
        "mykey_declined": 1,
        "pin_locked": 1,
        "cloud_down": 1,
    }
    # Nothing but the month, the outcome and a counter is kept: no row per visit.
    columns = [r["name"] for r in world.parts.store.query("PRAGMA table_info(visits)")]
    assert columns == ["month", "outcome", "count"]
    assert len(world.parts.store.query("SELECT * FROM visits")) == 8
