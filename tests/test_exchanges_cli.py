"""The clerk's list of unfinished exchanges, and cancelling one with a reason (audited)."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from kiosk.exchange.steps import Step
from kiosk.store import audit
from tests.exchange_world import World, breka_balance

pytestmark = pytest.mark.pcsc


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    yield w
    w.close()


def test_an_exchange_waiting_for_its_card_is_listed_and_cancelled_with_a_reason(world, capsys):
    mynumber, breka, _ = world.citizen("gone", points=1_000)
    engine = world.engine
    with world.on_reader(mynumber):
        engine.card_tapped()
        engine.enter_pin("1234")
    engine.choose_amount(500)
    exchange_id = engine.confirm().exchange_id
    # The card leaves at the credit command (APDU 9: two selects of identify, UID, select,
    # two authentication steps, log, balance, credit), before acting on it.
    with world.on_reader(breka, remove_after=9, remove_mode="before"):
        view = engine.card_tapped()
    assert view.problem.code == "tap_same_card_again"
    engine.reset()  # the citizen walked away
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT

    config = ["--config", str(world.env.config_path)]
    assert main(config + ["exchanges", "pending", "--json"]) == 0
    pending = json.loads(capsys.readouterr().out)["pending"]
    assert [(p["exchange_id"], p["needs_card"], p["points"]) for p in pending] == [(exchange_id, True, 500)]
    assert main(config + ["exchanges", "recover"]) == 0  # needs the card: stays
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT

    with pytest.raises(SystemExit) as info:
        main(config + ["exchanges", "cancel", exchange_id, "--clerk", "sato"])
    assert info.value.code == 2  # no reason, no cancel
    assert main(config + ["exchanges", "cancel", exchange_id, "--reason", "  ", "--clerk", "sato"]) == 2
    assert main(config + ["exchanges", "cancel", exchange_id, "--reason", "カード紛失の申告", "--clerk", "sato"]) == 0
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.CANCELLED and row.cancel_reason == "カード紛失の申告"
    entry = [e for e in audit.entries(world.parts.store) if e.action == "cancel_unfinished"][-1]
    assert entry.actor == "clerk" and entry.detail["clerk"] == "sato" and entry.detail["exchange_id"] == exchange_id
    assert audit.verify(world.parts.store) is None
    assert world.usable(mynumber) == 1_000 and breka_balance(breka) == 0
    capsys.readouterr()
    assert main(config + ["exchanges", "pending"]) == 0
    assert "no unfinished exchanges" in capsys.readouterr().out
