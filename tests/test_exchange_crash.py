"""Crash at every journal step: a child process runs one exchange and is killed with SIGKILL
just before or just after the step is written; a fresh kiosk then recovers. Whatever the
point, the exchange ends committed or cancelled, and the cloud, the card and the settlement
records agree: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import keyring
import pytest

from kiosk import config as config_mod
from kiosk.app import build
from kiosk.exchange.recovery import recover
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk.sync.cloud import CloudClient
from kiosk.sync.cloud_errors import ExchangeNotFound
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.demo_env import DemoEnv, usable_points
from kiosk_demo.demo_keyring import DemoFileKeyring
from kiosk_demo.mynumber_state import CardState
from tests.exchange_world import breka_balance, on_reader
from tests.mynumber_helpers import wait_card

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
POINTS, FEE, LOADED, ISSUED = 500, 45, 455, 10_000
STEPS = [s for s in Step if s not in (Step.NOT_LOADED, Step.CANCEL_REQUESTED, Step.CANCELLED)]
POINTS_OF_CRASH = [("AFTER", s) for s in STEPS] + [("BEFORE", s) for s in STEPS if s is not Step.CREATED]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    env = DemoEnv(root / "cloud")
    cloud = env.start_cloud()
    yield root, env.ca_dir, cloud
    cloud.stop()


@pytest.mark.parametrize("when,step", POINTS_OF_CRASH, ids=[f"{w.lower()}-{s.value}" for w, s in POINTS_OF_CRASH])
def test_crash_at_every_journal_step_then_recovery(shared, vpcd_slot, when, step):
    root, ca_dir, cloud = shared
    env = DemoEnv(root / f"{when}-{step.value}", ca_dir=ca_dir)
    keyring.set_keyring(DemoFileKeyring(env.keyring_path))  # shared with the child; restored by the fixture
    admin = env.provision(cloud.url, terminal_id=f"t-{uuid.uuid4().hex[:8]}", ca_bundle=str(cloud.verify))
    mn_path, br_path = env.mynumber_card("c"), env.breka_card("c")
    admin.issue(admin.enrol(env.auth_cert_der(mn_path)), ISSUED)

    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.crash_driver",
            str(env.root),
            str(vpcd_slot.port),
            vpcd_slot.reader,
            "c",
            str(POINTS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, f"KIOSK_CRASH_{when}": step.value},
    )
    assert child.returncode == -9, child.stderr[-2000:]

    ctx = PcscContext()
    wait_card(ctx, vpcd_slot.reader, present=False)
    cfg = config_mod.load(env.config_path)
    parts = build(cfg, reader=PcscReader(vpcd_slot.reader, ctx))
    try:
        report = recover(parts.journal, parts.finisher)
        if report.waiting_for_card:
            breka = BrekaCard.open(br_path)
            with on_reader(breka, vpcd_slot, ctx):
                view = parts.engine.card_tapped()
            assert view.phase is Phase.WAIT_MYNUMBER and view.problem.code == "pending_finished"
        assert parts.journal.unfinished() == []

        rows = parts.store.query("SELECT exchange_id, state FROM exchanges")
        # The id and the hold request are journalled in one transaction: killed before it, nothing.
        assert len(rows) == (0 if (when, step) == ("BEFORE", Step.HOLD_REQUESTED) else 1)
        committed = [r["exchange_id"] for r in rows if r["state"] == Step.COMMITTED.value]
        client = CloudClient.from_config(cfg, backoff_s=0.01)
        card = BrekaCard.open(br_path)
        records = parts.outbox.unsent()
        if committed:
            assert client.exchange(committed[0])["state"] == "committed"
            assert breka_balance(card) == LOADED
            assert [r["exchange_id"] for r in records] == committed
            assert usable_points(client, CardState.load(mn_path)) == ISSUED - POINTS
        else:
            assert breka_balance(card) == 0
            assert records == []
            assert usable_points(client, CardState.load(mn_path)) == ISSUED
            for r in rows:  # released in the cloud, or never held there
                try:
                    assert client.exchange(r["exchange_id"])["state"] == "cancelled"
                except ExchangeNotFound:
                    pass
        # A crash after the card committed must never end cancelled (points would double).
        if (when, step) in {
            ("AFTER", Step.LOADED),
            ("AFTER", Step.COMMIT_REQUESTED),
            ("AFTER", Step.COMMITTED),
            ("BEFORE", Step.COMMIT_REQUESTED),
            ("BEFORE", Step.COMMITTED),
        }:
            assert committed
        client.close()
    finally:
        parts.close()
