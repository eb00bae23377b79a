"""The whole exchange through the engine, over the real pcscd, virtual cards swapped on one
reader, and the cloud simulator process."""

from __future__ import annotations

import pytest

from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.secrets import Secret, require_secret
from kiosk.sync.settlement_record import public_key_bytes
from tests.exchange_world import World, breka_balance

pytestmark = pytest.mark.pcsc


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    yield w
    w.close()


def test_a_full_exchange_loads_the_card_commits_and_leaves_a_signed_record(world):
    mynumber, breka, mykey = world.citizen("alice", points=10_000)
    engine = world.engine
    with world.on_reader(mynumber):
        view = engine.card_tapped()
        assert view.phase is Phase.PIN and view.tries_left == 3
        view = engine.enter_pin("1234")
        assert view.phase is Phase.AMOUNT, view.problem
        assert view.mykey_id == mykey and view.usable == 10_000
        assert [lot.points for lot in view.lots] == [10_000]
    view = engine.choose_amount("500")
    assert view.phase is Phase.CONFIRM and (view.points, view.fee, view.loaded) == (500, 45, 455)
    view = engine.confirm()
    assert view.phase is Phase.TAP_BREKA
    with world.on_reader(breka):
        view = engine.card_tapped()
    assert view.phase is Phase.DONE, view.problem
    receipt = view.receipt
    assert (receipt.points_used, receipt.fee, receipt.loaded) == (500, 45, 455)
    assert (receipt.card_balance_before, receipt.card_balance_after) == (0, 455)
    assert receipt.record_id and not receipt.cloud_pending
    assert breka_balance(breka) == 455
    row = world.parts.journal.get(receipt.exchange_id)
    assert row.state is Step.COMMITTED
    assert world.parts.journal.steps(receipt.exchange_id) == [
        Step.CREATED,
        Step.HOLD_REQUESTED,
        Step.HELD,
        Step.LOAD_INTENT,
        Step.LOADED,
        Step.COMMIT_REQUESTED,
        Step.COMMITTED,
    ]
    record = world.parts.outbox.record_for(receipt.exchange_id)
    assert record["points_used"] == 500 and record["loaded"] == 455 and record["mykey_id"] == mykey
    assert world.parts.outbox.verify(public_key_bytes(require_secret(Secret.DEVICE_KEY))) == []
    client = world.client()
    state = client.exchange(receipt.exchange_id)
    assert state["state"] == "committed"


def test_card_lifted_at_the_pin_step_is_said_at_once_and_a_later_removal_is_the_normal_swap(world):
    mynumber, breka, _ = world.citizen("lifted", points=10_000)
    engine = world.engine
    with world.on_reader(mynumber):
        assert engine.card_tapped().phase is Phase.PIN
    view = engine.card_removed()  # the monitor's event, before any PIN is typed
    assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "card_removed"
    assert engine.enter_pin("1234").phase is Phase.WAIT_MYNUMBER  # a PIN typed late goes nowhere
    with world.on_reader(mynumber):  # tapped again: the PIN step starts afresh
        assert engine.card_tapped().phase is Phase.PIN
        assert engine.enter_pin("1234").phase is Phase.AMOUNT
    assert engine.card_removed() is None  # taking the My Number Card away now is expected
    assert engine.choose_amount("500").phase is Phase.CONFIRM
