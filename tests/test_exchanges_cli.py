"""The clerk's list of unfinished exchanges, and ending one: clerk PIN, reason, and for a load
that waits for its card, that card on the reader (audited)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from kiosk.cli import main
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.ui.staff_auth import StaffAuth
from tests.exchange_world import World, breka_balance, interrupted_load

pytestmark = pytest.mark.pcsc


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    yield w
    w.close()


CLERK_PIN = "246810"


def walked_away(world, name: str, remove_after: int, remove_mode: str):
    """A citizen whose Breka load was cut off at APDU `remove_after`, then walked away."""
    mynumber, breka, exchange_id = interrupted_load(world, name, remove_after, remove_mode)
    view = world.engine.reset()  # parked: the counter serves the next one
    assert view.problem.code == "load_waits_for_card" and view.problem.params["number"] == exchange_id[:8].upper()
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT
    return mynumber, breka, exchange_id


def cancel(config, exchange_id, monkeypatch, pin=CLERK_PIN, *extra):
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    return main(
        config + ["exchanges", "cancel", exchange_id, "--reason", "カード紛失の申告", "--clerk", "sato", *extra]
    )


def test_an_exchange_waiting_for_its_card_is_settled_only_by_its_card(world, capsys, monkeypatch):
    # The card leaves at the credit command (APDU 9: two selects of identify, UID, select,
    # two authentication steps, log, balance, credit), before acting on it.
    mynumber, breka, exchange_id = walked_away(world, "gone", 9, "before")
    config = ["--config", str(world.env.config_path)]
    assert main(config + ["exchanges", "pending", "--json"]) == 0
    pending = json.loads(capsys.readouterr().out)["pending"]
    assert [(p["exchange_id"], p["needs_card"], p["points"]) for p in pending] == [(exchange_id, True, 500)]
    assert main(config + ["exchanges", "recover"]) == 0  # needs the card: stays
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT

    with pytest.raises(SystemExit) as info:
        main(config + ["exchanges", "cancel", exchange_id, "--clerk", "sato"])
    assert info.value.code == 2  # no reason, no cancel
    assert cancel(config, exchange_id, monkeypatch) == 2  # no clerk PIN set yet: nobody may cancel
    StaffAuth(world.parts.store).set_pin("clerk", CLERK_PIN, by="test")
    assert cancel(config, exchange_id, monkeypatch, "999999") == 2  # somebody else's guess
    capsys.readouterr()
    assert cancel(config, exchange_id, monkeypatch) == 2  # the right PIN, but no card: only its log may decide
    assert "Breka card on the reader" in capsys.readouterr().err
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT

    assert cancel(config, exchange_id, monkeypatch, CLERK_PIN, "--card-lost") == 0  # noted, stays open
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.LOAD_INTENT and row.last_error == "card_lost"

    with world.on_reader(breka):  # the card turns up: its log says not loaded, so it is cancelled
        assert cancel(config, exchange_id, monkeypatch) == 0
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.CANCELLED and row.cancel_reason == "カード紛失の申告"
    entry = [e for e in audit.entries(world.parts.store) if e.action == "settle_with_card"][-1]
    assert entry.detail["clerk"] == "sato" and entry.detail["outcome"] == "cancelled"
    assert audit.verify(world.parts.store) is None
    assert world.usable(mynumber) == 1_000 and breka_balance(breka) == 0
    capsys.readouterr()
    assert main(config + ["exchanges", "pending"]) == 0
    assert "no unfinished exchanges" in capsys.readouterr().out


def test_a_clerk_cancel_of_a_load_the_card_committed_finishes_it(world, capsys, monkeypatch):
    """Pull the card at the commit, claim it was lost: the card's log shows the load, so the
    clerk's cancel finishes the exchange (points taken in the cloud) instead of giving them free."""
    mynumber, breka, exchange_id = walked_away(world, "lucky", 11, "after")
    assert breka_balance(breka) == 455  # the commit reached the card; its answer did not
    config = ["--config", str(world.env.config_path)]
    StaffAuth(world.parts.store).set_pin("clerk", CLERK_PIN, by="test")
    with world.on_reader(breka):
        assert cancel(config, exchange_id, monkeypatch) == 0
    assert "finished" in capsys.readouterr().out
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED
    assert world.usable(mynumber) == 500 and breka_balance(breka) == 455
    assert world.parts.outbox.record_for(exchange_id) is not None
