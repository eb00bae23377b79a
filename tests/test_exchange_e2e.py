"""The whole exchange through the engine, over the real pcscd, virtual cards swapped on one
reader, and the cloud simulator process."""
from __future__ import annotations

import pytest

from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.sync.settlement_record import public_key_bytes
from kiosk.secrets import Secret, require_secret
from tests.exchange_world import World, breka_balance, cloud, world_dir  # noqa: F401 (fixtures)

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
        Step.CREATED, Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT, Step.LOADED,
        Step.COMMIT_REQUESTED, Step.COMMITTED]
    record = world.parts.outbox.record_for(receipt.exchange_id)
    assert record["points_used"] == 500 and record["loaded"] == 455 and record["mykey_id"] == mykey
    assert world.parts.outbox.verify(public_key_bytes(require_secret(Secret.DEVICE_KEY))) == []
    client = world.client()
    state = client.exchange(receipt.exchange_id)
    assert state["state"] == "committed"
