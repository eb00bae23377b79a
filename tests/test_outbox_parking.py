"""Settlement never wedges: a record the cloud refuses is parked, later records still go,
and the parked one is visible (status, flush's exit, doctor) — against the real simulator."""

from __future__ import annotations

import json
import uuid

from kiosk.cli import main
from kiosk.rules import quote
from kiosk.sync.outbox import MAX_ATTEMPTS
from kiosk.sync.uploader import Uploader
from tests.cloud_fixtures import login
from tests.test_doctor import checks
from tests.test_outbox_cli import install_secrets, write_config
from tests.test_uploader import BATCHES, KioskWorld, cloud_records


def disputed(world, holder, points: int) -> dict:
    """An exchange the cloud committed with `points`, whose record claims 11 more."""
    session = login(world.client, holder)
    xid, q = str(uuid.uuid4()), quote(points)
    world.client.hold(session, xid, world.event, points)
    world.client.commit(xid, card_ref="ref", load_id=xid, loaded=q.loaded, fee=q.fee, balance_after=q.loaded)
    return world.record(xid, holder.mykey_id, points + 11, "ref")


def test_a_refused_record_is_parked_and_later_records_still_go(sim, cloud_sim, tmp_path, capsys):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=2.0)
    try:
        holder = world.holder(10_000)
        world.exchange(holder, 500)
        bad = disputed(world, holder, 300)
        world.exchange(holder, 11)
        install_secrets(world.device_key, world.term.secret)
        cfg = str(
            write_config(tmp_path / "config.toml", world.store.path, sim.url, world.term.terminal_id, world.event)
        )
        assert main(["--config", cfg, "outbox", "flush", "--json"]) == 1
        out = json.loads(capsys.readouterr().out)
        assert (out["accepted"], out["parked"], out["remaining"]) == (2, 1, 0)
        assert out["rejected"] == [{"record_id": bad["record_id"], "code": "exchange_mismatch"}]
        assert cloud_records(cloud_sim, world.term.terminal_id) == [1, 2, 3]  # 2 stored as refused

        world.exchange(holder, 77)  # a later legitimate record is accepted, not seq_gap
        assert main(["--config", cfg, "outbox", "flush"]) == 1  # still non-zero: one is parked
        assert "1 records refused by the cloud are parked" in capsys.readouterr().out
        status = world.outbox.status()
        assert (status.accepted, status.parked, status.unsent) == (3, 1, 0)
        assert main(["--config", cfg, "outbox", "status"]) == 0
        text = capsys.readouterr().out
        assert f"保留 / parked: seq 2 {bad['record_id']} exchange_mismatch" in text

        by = checks(cfg, "store_checks")
        assert not by["outbox"].ok and "1 parked" in by["outbox"].detail
    finally:
        world.close()


def test_chain_refusals_are_retried_a_bounded_number_of_times(sim, tmp_path):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=2.0)
    try:
        holder = world.holder(10_000)
        world.exchange(holder, 500)
        world.exchange(holder, 600)
        # Seq 1 is parked here but never reached the cloud: seq 2 meets a gap there.
        world.store.conn.execute("UPDATE outbox SET outcome = 'rejected:exchange_mismatch' WHERE seq = 1")
        up = Uploader(world.outbox, world.client, attempts=1)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            summary = up.upload_once()
            assert summary.error and summary.error.startswith("seq_gap")
            status = world.outbox.status()
            if attempt < MAX_ATTEMPTS:
                assert (status.unsent, status.retrying, status.max_attempts) == (1, 1, attempt)
                assert status.last_error == "seq_gap"
        status = world.outbox.status()
        assert (status.unsent, status.parked) == (0, 2)
        assert up.upload_once().remaining == 0  # bounded: nothing is sent again
    finally:
        world.close()


def test_a_network_failure_counts_attempts_but_never_parks(sim, tmp_path):
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=2.0)
    try:
        world.exchange(world.holder(1_000), 500)
        sim.fault(BATCHES, kind="error", phase="before", status=503, count=MAX_ATTEMPTS + 2)
        up = Uploader(world.outbox, world.client, attempts=1)
        for _ in range(MAX_ATTEMPTS + 2):
            assert up.upload_once().remaining == 1
        status = world.outbox.status()
        assert (status.unsent, status.parked, status.max_attempts) == (1, 0, MAX_ATTEMPTS + 2)
        sim.clear_faults()
        assert up.upload_once().ok
    finally:
        world.close()
