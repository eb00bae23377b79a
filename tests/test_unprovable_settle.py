"""`kiosk exchanges settle-unprovable`: the clerk records the Breka operator's answer for a load
the card's log can no longer prove, over the real pcscd, virtual cards and the simulator. The
answer is journalled before any cloud call, so a cloud outage or a crash keeps it and recovery
finishes the exchange, once."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.exchange.recovery import ALERT_LOAD_UNPROVABLE, UNPROVABLE_DECIDED, alerts, recover
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.ui.staff_auth import StaffAuth
from tests.exchange_world import COMMIT_APDU, World, breka_balance, interrupted_load, loads_elsewhere

pytestmark = pytest.mark.pcsc

ROOT = Path(__file__).resolve().parents[1]
CLERK_PIN = "246810"
REASON = "ブレカ運営者の回答 #42"


@pytest.fixture
def world(world_dir, cloud, vpcd_slot):
    w = World(world_dir, cloud.url, vpcd_slot)
    StaffAuth(w.parts.store).set_pin("clerk", CLERK_PIN, by="test")
    yield w
    w.admin.clear_faults()
    w.close()


def pushed_out(world, name: str, mode: str):
    """A load torn at its commit (`mode` "after": the card committed it; "before": it did not),
    then ten loads at another terminal: the card's log no longer reaches back to it. Parked,
    hold kept, raised to the clerk (as in tests/test_interrupted_load.py)."""
    mynumber, breka, exchange_id = interrupted_load(world, name, COMMIT_APDU, mode)
    loads_elsewhere(world, breka)  # another terminal, its own journal
    with world.on_reader(breka):
        assert world.engine.card_tapped().problem.code == "load_waits_for_card"
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT
    assert exchange_id in unprovable_alerts(world)
    assert world.usable(mynumber) == 500  # held
    return mynumber, breka, exchange_id


def unprovable_alerts(world) -> list[str]:
    return [a["exchange_id"] for a in alerts(world.parts.journal, ALERT_LOAD_UNPROVABLE)]


def settle(world, monkeypatch, exchange_id: str, *answer: str, pin: str = CLERK_PIN, reason: str = REASON) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    config = ["--config", str(world.env.config_path)]
    return main(
        config + ["exchanges", "settle-unprovable", exchange_id, *answer, "--reason", reason, "--clerk", "sato"]
    )


def records(world, exchange_id: str) -> int:
    return world.parts.store.query("SELECT COUNT(*) AS n FROM outbox WHERE exchange_id = ?", (exchange_id,))[0]["n"]


def cloud_state(world, exchange_id: str) -> str:
    client = world.client()
    try:
        return client.exchange(exchange_id)["state"]
    finally:
        client.close()


def decisions(world, exchange_id: str) -> list[dict]:
    found = audit.entries(world.parts.store, action=UNPROVABLE_DECIDED)
    return [e.detail for e in found if e.detail["exchange_id"] == exchange_id]


def test_loaded_commits_once_with_one_record_and_a_second_run_does_nothing(world, monkeypatch, capsys):
    mynumber, breka, exchange_id = pushed_out(world, "op-loaded", "after")
    assert settle(world, monkeypatch, exchange_id, "--loaded") == 0
    assert "recorded as loaded" in capsys.readouterr().out
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.COMMITTED and row.balance_after == 455  # before (0) + the load
    assert records(world, exchange_id) == 1
    record = world.parts.outbox.record_for(exchange_id)
    assert record is not None and record["loaded"] == 455 and record["points_used"] == 500
    assert cloud_state(world, exchange_id) == "committed"
    assert world.usable(mynumber) == 500 and breka_balance(breka) == 465  # taken once, loaded once
    assert decisions(world, exchange_id) == [
        {"exchange_id": exchange_id, "decision": "loaded", "reason": REASON, "clerk": "sato", "loaded": 455}
    ]
    assert exchange_id not in unprovable_alerts(world)  # resolved: no longer listed
    assert audit.verify(world.parts.store) is None
    head = audit.entries(world.parts.store)[-1].seq

    assert settle(world, monkeypatch, exchange_id, "--loaded") == 0  # the second run
    assert "already settled" in capsys.readouterr().out
    since = {e.action for e in audit.entries(world.parts.store, since_seq=head)}
    assert since <= {"enter_mode"} and records(world, exchange_id) == 1  # only the clerk's PIN check
    assert world.usable(mynumber) == 500
    assert main(["--config", str(world.env.config_path), "outbox", "flush"]) == 0  # the cloud takes the record
    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 2  # the first answer stands
    assert "first answer stands" in capsys.readouterr().err
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED


def test_not_loaded_releases_the_hold_and_commits_nothing(world, monkeypatch, capsys):
    mynumber, breka, exchange_id = pushed_out(world, "op-not-loaded", "before")
    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 0
    assert "recorded as not loaded" in capsys.readouterr().out
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.CANCELLED and row.cancel_reason == REASON
    assert records(world, exchange_id) == 0 and cloud_state(world, exchange_id) == "cancelled"
    assert world.usable(mynumber) == 1_000 and breka_balance(breka) == 10  # points back; only the other loads
    steps = world.parts.journal.steps(exchange_id)
    assert steps[-3:] == [Step.NOT_LOADED, Step.CANCEL_REQUESTED, Step.CANCELLED]
    assert [d["decision"] for d in decisions(world, exchange_id)] == ["not_loaded"]
    assert exchange_id not in unprovable_alerts(world)

    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 0
    assert "already settled" in capsys.readouterr().out
    assert len(decisions(world, exchange_id)) == 1 and world.usable(mynumber) == 1_000
    with world.on_reader(breka):  # the card tapped again: the settled load stays settled
        world.engine.card_tapped()
    assert world.parts.journal.get(exchange_id).state is Step.CANCELLED and breka_balance(breka) == 10


def test_only_a_parked_unprovable_exchange_is_accepted(world, monkeypatch, capsys):
    mynumber, breka, exchange_id = interrupted_load(world, "op-not-parked", COMMIT_APDU, "before")
    world.engine.reset()  # waits for its card, whose log can still decide it
    assert settle(world, monkeypatch, exchange_id, "--loaded") == 2
    err = capsys.readouterr().err
    assert "not parked as unprovable" in err and "on the reader" in err
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT and decisions(world, exchange_id) == []
    with world.on_reader(breka):  # its log settles it: not loaded, cancelled
        world.engine.card_tapped()
    assert world.parts.journal.get(exchange_id).state is Step.CANCELLED
    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 2  # finished: nothing to decide
    assert "already cancelled" in capsys.readouterr().err
    assert settle(world, monkeypatch, str(uuid.uuid4()), "--loaded") == 2
    assert "no exchange" in capsys.readouterr().err
    assert decisions(world, exchange_id) == [] and world.usable(mynumber) == 1_000


def test_a_wrong_pin_or_a_blank_reason_changes_nothing(world, monkeypatch, capsys):
    mynumber, _breka, exchange_id = pushed_out(world, "op-pin", "after")
    head = audit.entries(world.parts.store)[-1].seq
    assert settle(world, monkeypatch, exchange_id, "--loaded", pin="999999") == 2
    assert "wrong clerk PIN" in capsys.readouterr().err
    assert settle(world, monkeypatch, exchange_id, "--loaded", reason="  ") == 2
    with pytest.raises(SystemExit):  # one answer, and only one
        settle(world, monkeypatch, exchange_id, "--loaded", "--not-loaded")
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT
    assert decisions(world, exchange_id) == [] and exchange_id in unprovable_alerts(world)
    assert UNPROVABLE_DECIDED not in {e.action for e in audit.entries(world.parts.store, since_seq=head)}
    assert world.usable(mynumber) == 500


@pytest.mark.parametrize("phase", ["before", "after"])  # "after": the cloud committed, its answer was lost
def test_loaded_with_the_cloud_down_keeps_the_answer_and_recovery_finishes_it_once(world, monkeypatch, capsys, phase):
    mynumber, breka, exchange_id = pushed_out(world, f"op-down-{phase}", "after")
    world.admin.fault("/v1/exchanges/*/commit", "error", phase=phase, status=503, count=1000)
    assert settle(world, monkeypatch, exchange_id, "--loaded") == 1
    assert "the answer is recorded" in capsys.readouterr().err
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.COMMIT_REQUESTED and records(world, exchange_id) == 0  # parked with its answer
    assert len(decisions(world, exchange_id)) == 1 and exchange_id not in unprovable_alerts(world)
    assert settle(world, monkeypatch, exchange_id, "--loaded") == 1  # still down: the same answer, kept
    assert len(decisions(world, exchange_id)) == 1
    world.admin.clear_faults()
    report = recover(world.parts.journal, world.parts.finisher)  # the running kiosk's follow-up, or at start
    assert exchange_id in report.committed
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED and records(world, exchange_id) == 1
    assert cloud_state(world, exchange_id) == "committed"
    assert world.usable(mynumber) == 500 and breka_balance(breka) == 465
    assert settle(world, monkeypatch, exchange_id, "--loaded") == 0 and records(world, exchange_id) == 1
    assert "already settled" in capsys.readouterr().out


def test_not_loaded_with_the_cloud_down_is_cancelled_later_by_a_second_run(world, monkeypatch, capsys):
    mynumber, _breka, exchange_id = pushed_out(world, "op-down-cancel", "before")
    world.admin.fault("/v1/exchanges/*/cancel", "error", phase="before", status=503, count=1000)
    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 1
    assert world.parts.journal.get(exchange_id).state is Step.CANCEL_REQUESTED
    assert world.usable(mynumber) == 500  # still held
    world.admin.clear_faults()
    assert settle(world, monkeypatch, exchange_id, "--not-loaded") == 0
    assert "recorded as not loaded" in capsys.readouterr().out
    assert world.parts.journal.get(exchange_id).state is Step.CANCELLED and records(world, exchange_id) == 0
    assert world.usable(mynumber) == 1_000 and len(decisions(world, exchange_id)) == 1


def test_a_crash_right_after_the_answer_is_journalled_loses_nothing(world, monkeypatch):
    """SIGKILL just after `loaded` is durable, before any cloud call: the answer and its audit
    entry are there (one transaction) and recovery commits the exchange once."""
    mynumber, breka, exchange_id = pushed_out(world, "op-crash", "after")
    child = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(world.env.config_path)]
        + ["exchanges", "settle-unprovable", exchange_id, "--loaded", "--reason", REASON, "--clerk", "sato"],
        cwd=ROOT,
        input=CLERK_PIN + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KIOSK_DEMO_KEYRING": str(world.env.keyring_path), "KIOSK_CRASH_AFTER": "loaded"},
    )
    assert child.returncode == -9, child.stderr[-2000:]
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.LOADED and records(world, exchange_id) == 0
    assert [d["decision"] for d in decisions(world, exchange_id)] == ["loaded"]
    assert cloud_state(world, exchange_id) == "held"
    assert exchange_id in recover(world.parts.journal, world.parts.finisher).committed
    assert records(world, exchange_id) == 1 and cloud_state(world, exchange_id) == "committed"
    assert world.usable(mynumber) == 500 and breka_balance(breka) == 465


def test_pending_lists_it_with_the_way_to_settle_it(world, capsys):
    _mynumber, _breka, exchange_id = pushed_out(world, "op-pending", "after")
    config = ["--config", str(world.env.config_path)]
    assert main(config + ["exchanges", "pending"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(exchange_id))
    assert "settle-unprovable" in line
    assert main(config + ["exchanges", "pending", "--json"]) == 0
    assert exchange_id in {p["exchange_id"] for p in json.loads(capsys.readouterr().out)["pending"]}
