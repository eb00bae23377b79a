"""The cloud commit behind the done screen (as `kiosk run` builds the kiosk), over the real
stack: pcscd + vpcd virtual cards, the simulator as a server process, the SQLite file.

The citizen waits for two round trips after the PIN (holder sign-in with the balance, and
the hold); the commit runs after "done". A crash between "done" and the commit, and a cloud
refusing the commit afterwards, must neither lose nor double points."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import keyring
import pytest

from kiosk import config as config_mod
from kiosk.app import build
from kiosk.exchange.recovery import ALERT_COMMIT_REFUSED, alerts, recover
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk.store import audit
from kiosk.sync import cloud_schema
from kiosk.sync.cloud import CloudClient
from kiosk_demo.bench.wan_proxy import WanProxy
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.demo_env import DemoEnv, usable_points
from kiosk_demo.demo_keyring import DemoFileKeyring
from kiosk_demo.mynumber_state import CardState
from tests.exchange_world import World, breka_balance
from tests.mynumber_helpers import wait_card

ROOT = Path(__file__).resolve().parents[1]
POINTS, LOADED, ISSUED = 500, 455, 10_000


def test_a_balance_sent_with_the_token_is_checked_like_get_balance():
    good = {"mykey_id": "mk-1", "as_of": "2026-01-01T00:00:00Z", "reserved": [], "lots": [], "usable": 0}
    answer = {"holder_token": "t", "mykey_id": "mk-1", "expires_at": "2026-01-01T00:10:00Z"}
    assert cloud_schema.holder_auth(answer | {"balance": good})["balance"]["usable"] == 0
    assert "balance" not in cloud_schema.holder_auth(answer)  # an older cloud: the kiosk asks
    with pytest.raises(cloud_schema.SchemaError, match="mykey_id"):
        cloud_schema.holder_auth(answer | {"balance": good | {"mykey_id": "mk-2"}})
    with pytest.raises(cloud_schema.SchemaError):
        cloud_schema.holder_auth(answer | {"balance": good | {"usable": -1}})


def _exchange_to_done(world: World, name: str, points: int = POINTS, listener=None):
    mynumber, breka, _ = world.citizen(name, points=ISSUED)
    engine = world.engine
    with world.on_reader(mynumber):
        assert engine.card_tapped().phase is Phase.PIN
        assert engine.wait_prefetch()  # the challenge (and the connection) come while the PIN is typed
        t_pin = time.monotonic()
        view = engine.enter_pin("1234")
        assert view.phase is Phase.AMOUNT and view.usable == ISSUED, view.problem
    assert engine.choose_amount(points).phase is Phase.CONFIRM
    assert engine.confirm().phase is Phase.TAP_BREKA
    return mynumber, breka, t_pin


@pytest.mark.pcsc
def test_two_round_trips_after_the_pin_and_the_commit_lands_after_done(world_dir, cloud, vpcd_slot):
    with WanProxy(cloud.url, rtt_ms=0) as proxy:
        world = World(world_dir, proxy.url, vpcd_slot, background_commit=True)
        try:
            shown: dict[Phase, float] = {}
            world.engine.listener = lambda v: shown.setdefault(v.phase, time.monotonic())
            mynumber, breka, t_pin = _exchange_to_done(world, "rt")
            t_swap = time.monotonic()
            with world.on_reader(breka):
                t_breka = time.monotonic()
                view = world.engine.card_tapped()
            assert view.phase is Phase.DONE, view.problem
            t_done = shown[Phase.DONE]
            # Sign-in (the balance comes with it) and the hold; nothing during the card swap,
            # nothing between the Breka tap and "done": the commit comes after.
            assert proxy.round_trips(t_pin, t_swap) == 2
            assert proxy.round_trips(t_breka, t_done) == 0
            assert world.parts.background.wait_idle(30)
            assert proxy.round_trips(t_done, time.monotonic()) >= 1
            exchange_id = view.receipt.exchange_id
            assert view.receipt.record_id is None and not view.receipt.cloud_pending
            assert world.parts.journal.get(exchange_id).state is Step.COMMITTED
            assert world.parts.outbox.record_for(exchange_id)["loaded"] == LOADED
            assert breka_balance(breka) == LOADED
            assert world.usable(mynumber) == ISSUED - POINTS
        finally:
            world.close()


@pytest.mark.pcsc
def test_a_cloud_refusing_the_commit_after_done_raises_an_alert_and_pays_nothing_twice(world_dir, cloud, vpcd_slot):
    world = World(world_dir, cloud.url, vpcd_slot, background_commit=True)
    try:
        mynumber, breka, _ = _exchange_to_done(world, "refused")
        exchange_id = world.engine.view.exchange_id
        client = world.client()
        client.cancel(exchange_id, "cancelled by the city while the citizen tapped")  # the hold is gone
        with world.on_reader(breka):
            view = world.engine.card_tapped()
        assert view.phase is Phase.DONE, view.problem  # the citizen has the points: done
        assert world.parts.background.wait_idle(30)
        journal = world.parts.journal
        row = journal.get(exchange_id)
        assert row.state is Step.COMMIT_REQUESTED and row.last_error == "already_cancelled"
        found = [a for a in alerts(journal) if a["exchange_id"] == exchange_id]
        assert [(a["kind"], a["code"], a["loaded"]) for a in found] == [
            (ALERT_COMMIT_REFUSED, "already_cancelled", 455)
        ]
        assert world.parts.outbox.record_for(exchange_id) is None  # no record: the city pays nothing for it
        assert breka_balance(breka) == LOADED  # loaded once
        # The follow-up tries again; the cloud still refuses; one alert, no record, still open.
        report = recover(journal, world.parts.finisher)
        assert report.failed.get(exchange_id) == "already_cancelled"
        actions = [e.action for e in audit.entries(world.parts.store) if e.detail.get("exchange_id") == exchange_id]
        assert actions.count(ALERT_COMMIT_REFUSED) == 1
        assert world.parts.outbox.record_for(exchange_id) is None
        assert journal.get(exchange_id).state is Step.COMMIT_REQUESTED
        assert world.usable(mynumber) == ISSUED  # the cloud gave the points back: the clerk must look
        client.close()
    finally:
        world.close()


CRASHES = [("BEFORE", Step.COMMIT_REQUESTED), ("AFTER", Step.COMMIT_REQUESTED), ("BEFORE", Step.COMMITTED)]


@pytest.mark.pcsc
@pytest.mark.slow
@pytest.mark.parametrize("when,step", CRASHES, ids=[f"{w.lower()}-{s.value}" for w, s in CRASHES])
def test_a_crash_between_done_and_the_commit_is_finished_once_on_restart(
    tmp_path, world_dir, cloud, vpcd_slot, when, step
):
    env = DemoEnv(tmp_path / "kiosk", ca_dir=DemoEnv(world_dir).ca_dir)
    keyring.set_keyring(DemoFileKeyring(env.keyring_path))  # shared with the child; restored by the fixture
    admin = env.provision(cloud.url, terminal_id=f"t-{uuid.uuid4().hex[:8]}", ca_bundle=str(cloud.verify))
    mn_path, br_path = env.mynumber_card("c"), env.breka_card("c")
    admin.issue(admin.enrol(env.auth_cert_der(mn_path)), ISSUED)
    child = subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", str(env.root), str(vpcd_slot.port), vpcd_slot.reader, "c"]
        + [str(POINTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, f"KIOSK_CRASH_{when}": step.value, "CRASH_DRIVER_BACKGROUND": "1"},
    )
    # "done" was shown while the journal still said `loaded`; then the commit was killed.
    assert child.stdout.split() == ["done", "loaded"], child.stderr[-2000:]
    assert child.returncode == -9, child.stderr[-2000:]

    ctx = PcscContext()
    wait_card(ctx, vpcd_slot.reader, present=False)
    cfg = config_mod.load(env.config_path)
    parts = build(cfg, reader=PcscReader(vpcd_slot.reader, ctx), background_commit=True)
    try:
        report = recover(parts.journal, parts.finisher)  # what `kiosk run` does at start
        assert len(report.committed) == 1 and parts.journal.unfinished() == []
        exchange_id = report.committed[0]
        assert [r["exchange_id"] for r in parts.outbox.unsent()] == [exchange_id]  # one record
        assert recover(parts.journal, parts.finisher).committed == []  # and only one, ever
        assert len(parts.outbox.unsent()) == 1
        client = CloudClient.from_config(cfg, backoff_s=0.01)
        try:
            assert client.exchange(exchange_id)["state"] == "committed"
            assert usable_points(client, CardState.load(mn_path)) == ISSUED - POINTS
        finally:
            client.close()
        assert breka_balance(BrekaCard.open(br_path)) == LOADED  # loaded once
    finally:
        parts.close()
