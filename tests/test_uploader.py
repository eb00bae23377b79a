"""The outbox uploader against the real simulator process: batches, seq order, resends,
faults on /v1/settlements/batches with backoff, and nothing lost, doubled or deleted."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.rules import quote
from kiosk.store import Store
from kiosk.sync.outbox import Outbox
from kiosk.sync.uploader import Backoff, Uploader, batch_key
from tests.cloud_fixtures import client_for, login
from tests.conftest import wait_for

BATCHES = "/v1/settlements/batches"


class KioskWorld:
    """A registered terminal with a real kiosk store: every exchange is held and committed in
    the cloud, then its settlement record is appended to the outbox, as the engine does."""

    def __init__(self, sim, db_path, event: str | None = None, **client_kwargs) -> None:
        self.sim = sim
        self.event = event or sim.event()
        self.term = sim.terminal([self.event])
        self.client = client_for(sim.url, self.term, **client_kwargs)
        self.store = Store(db_path)
        self.outbox = Outbox(self.store, self.term.terminal_id)
        self.device_key = self.term.device_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        self.sessions: dict[str, object] = {}

    def holder(self, points: int, at: str | None = None):
        holder = self.sim.holder()
        self.sim.issue(holder.mykey_id, self.event, points, at=at)
        return holder

    def exchange(self, holder, points: int, occurred_at: str | None = None) -> dict:
        if occurred_at:
            self.sim.clock(now=occurred_at)
        session = self.sessions.get(holder.mykey_id)
        if session is None or occurred_at:
            session = self.sessions[holder.mykey_id] = login(self.client, holder)
        xid, q = str(uuid.uuid4()), quote(points)
        card_ref = "ref-" + holder.mykey_id[-6:]
        self.client.hold(session, xid, self.event, points)
        self.client.commit(xid, card_ref=card_ref, load_id=xid, loaded=q.loaded, fee=q.fee, balance_after=q.loaded)
        return self.record(xid, holder.mykey_id, points, card_ref, occurred_at)

    def record(self, xid: str, mykey_id: str, points: int, card_ref: str, occurred_at: str | None = None) -> dict:
        """The kiosk's side of a committed exchange: its row and its settlement record, in one transaction."""
        q = quote(points)
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id, mykey_id, points) "
                "VALUES (?, 'committed', 'x', 'x', ?, ?, ?)",
                (xid, self.event, mykey_id, points),
            )
            return self.outbox.append(
                tx,
                device_key=self.device_key,
                exchange_id=xid,
                mykey_id=mykey_id,
                event_id=self.event,
                points_used=points,
                fee=q.fee,
                loaded=q.loaded,
                card_ref=card_ref,
                load_id=xid,
                occurred_at=occurred_at,
            )

    def close(self) -> None:
        self.client.close()
        self.store.close()


class Spy:
    """Wraps the client to see every batch the uploader sends (and what came back)."""

    def __init__(self, client) -> None:
        self.client, self.calls = client, []

    def prepare_batch(self, records, *, compress=True):
        return self.client.prepare_batch(records, compress=compress)

    def upload_batch(self, body, key=None):
        sent = json.loads(gzip.decompress(body.data) if body.gzipped else body.data)
        self.calls.append(([r["seq"] for r in sent["records"]], key, body.gzipped))
        return self.client.upload_batch(body, key)


def cloud_records(cloud_sim, terminal_id: str) -> list[int]:
    """The seqs the simulator stored for a terminal (read-only look into its database)."""
    conn = sqlite3.connect(f"file:{cloud_sim.db}?mode=ro", uri=True)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT seq FROM settlement_records WHERE terminal_id = ? ORDER BY seq", (terminal_id,)
            )
        ]
    finally:
        conn.close()


@pytest.fixture
def world(sim, tmp_path):
    w = KioskWorld(sim, tmp_path / "kiosk.sqlite3", retries=0, timeout_s=1.0)
    yield w
    w.close()


def _fill(world, n: int) -> list[dict]:
    holder = world.holder(n * 20)
    return [world.exchange(holder, 1 + i % 20) for i in range(n)]


def _fill_fast(world, n: int, workers: int = 4) -> list[dict]:
    """Many exchanges: the cloud calls run on a few connections at once, the records in order."""
    holder = world.holder(n * 20)
    session = login(world.client, holder)
    clients = [client_for(world.sim.url, world.term) for _ in range(workers)]
    amounts = [1 + i % 20 for i in range(n)]

    def cloud_side(i: int) -> str:
        client, xid, q = clients[i % workers], str(uuid.uuid4()), quote(amounts[i])
        client.hold(session, xid, world.event, amounts[i])
        client.commit(xid, card_ref="ref-fast", load_id=xid, loaded=q.loaded, fee=q.fee, balance_after=q.loaded)
        return xid

    with ThreadPoolExecutor(workers) as pool:
        xids = list(pool.map(cloud_side, range(n)))
    for c in clients:
        c.close()
    return [world.record(xid, holder.mykey_id, points, "ref-fast") for xid, points in zip(xids, amounts)]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_2500_records_go_up_in_three_gzip_batches_then_resends_are_harmless(world, cloud_sim):
    records = _fill_fast(world, 2500)
    world.client.timeout_s = 30.0  # a loaded machine must not turn this test into a fault test
    spy = Spy(world.client)
    summary = Uploader(world.outbox, spy, sleep=lambda s: None).upload_once()
    assert summary.ok and (summary.batches, summary.accepted, summary.duplicates) == (3, 2500, 0)
    assert [(s[0], s[-1], len(s)) for s, _, _ in spy.calls] == [(1, 1000, 1000), (1001, 2000, 1000), (2001, 2500, 500)]
    assert all(s == sorted(s) for s, _, _ in spy.calls) and all(c for _, _, c in spy.calls)
    assert spy.calls[0][1] == batch_key(world.term.terminal_id, [r["record_id"] for r in records[:1000]])
    assert cloud_records(cloud_sim, world.term.terminal_id) == list(range(1, 2501))

    # The local marks are lost (a restored backup): the same batches go again with the same keys
    # and the cloud answers as the first time; nothing is stored twice.
    world.store.conn.execute("UPDATE outbox SET outcome = NULL, sent_at = NULL")
    again = Spy(world.client)
    summary = Uploader(world.outbox, again).upload_once()
    assert summary.ok and summary.accepted == 2500 and not summary.rejected
    assert [k for _, k, _ in again.calls] == [k for _, k, _ in spy.calls]

    # Sent again in other batches (other keys): duplicates, not errors.
    world.store.conn.execute("UPDATE outbox SET outcome = NULL, sent_at = NULL")
    summary = Uploader(world.outbox, world.client, batch_size=700).upload_once()
    assert summary.ok and (summary.batches, summary.accepted, summary.duplicates) == (4, 0, 2500)
    assert not summary.rejected
    status = world.outbox.status()
    assert (status.total, status.unsent, status.duplicates, status.last_seq) == (2500, 0, 2500, 2500)
    assert cloud_records(cloud_sim, world.term.terminal_id) == list(range(1, 2501))


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "error", "phase": "before", "status": 500, "count": 3},
        {"kind": "error", "phase": "after", "status": 503, "count": 2},
        {"kind": "drop", "phase": "after", "count": 2},
        {"kind": "drop", "phase": "before", "count": 1},
        {"kind": "delay", "phase": "after", "delay_ms": 1500, "count": 1},
        {"kind": "delay", "phase": "before", "delay_ms": 1500, "count": 1},
    ],
    ids=lambda f: f"{f['kind']}-{f['phase']}",
)
def test_faults_are_retried_with_backoff_and_nothing_is_lost_or_doubled(world, sim, cloud_sim, fault):
    _fill(world, 25)
    sim.fault(BATCHES, **fault)
    slept: list[float] = []
    spy = Spy(world.client)
    up = Uploader(
        world.outbox,
        spy,
        batch_size=10,
        attempts=6,
        base_delay_s=0.05,
        max_delay_s=0.15,
        sleep=slept.append,
        rand=lambda: 1.0,
    )
    summary = up.upload_once()
    assert summary.ok, summary
    assert summary.failures == len(slept) == fault["count"]
    assert slept == [min(0.15, 0.05 * 2**i) for i in range(fault["count"])]  # exponential, capped
    assert summary.accepted + summary.duplicates == 25 and not summary.rejected
    # a retried batch is the same batch under the same key
    firsts = [s[0] for s, _, _ in spy.calls]
    assert sorted(set(firsts)) == [1, 11, 21] and len(spy.calls) == 3 + fault["count"]
    wait_for(lambda: cloud_records(cloud_sim, world.term.terminal_id) == list(range(1, 26)), timeout=5)
    status = world.outbox.status()
    assert (status.total, status.unsent, status.accepted + status.duplicates) == (25, 0, 25)


def test_an_outage_longer_than_the_attempts_keeps_every_record_for_later(world, sim, cloud_sim):
    _fill(world, 12)
    sim.fault(BATCHES, kind="error", phase="before", count=3)
    up = Uploader(world.outbox, world.client, batch_size=5, attempts=3, sleep=lambda s: None)
    first = up.upload_once()
    assert not first.ok and first.error.startswith("injected_fault") and first.remaining == 12
    assert world.outbox.status().total == 12 and cloud_records(cloud_sim, world.term.terminal_id) == []
    second = up.upload_once()
    assert second.ok and second.accepted == 12
    assert [r["seq"] for r in world.store.query("SELECT seq FROM outbox ORDER BY seq")] == list(range(1, 13))


def test_full_jitter_is_bounded():
    values = iter([1.0, 0.5, 1.0, 1.0, 1.0, 0.0])
    b = Backoff(base_s=1.0, max_s=5.0, rand=lambda: next(values))
    assert [b.next_delay() for _ in range(6)] == [1.0, 1.0, 4.0, 5.0, 5.0, 0.0]
    b.reset()
    assert b.failures == 0


def test_run_loop_uploads_when_notified_backs_off_and_stops(world, sim, cloud_sim):
    up = Uploader(world.outbox, world.client, idle_s=30, base_delay_s=0.05, max_delay_s=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=up.run, args=(stop,), daemon=True)
    thread.start()
    try:
        holder = world.holder(1000)
        world.exchange(holder, 100)
        up.notify()  # the idle wait is 30 s: only the notification makes it go now
        wait_for(lambda: world.outbox.status().accepted == 1, timeout=10)
        sim.fault(BATCHES, kind="error", phase="before", count=2)
        world.exchange(holder, 200)
        up.notify()
        wait_for(lambda: world.outbox.status().accepted == 2, timeout=10)  # after two backed-off retries
        assert sim.http.get(sim.url + "/sim/faults", timeout=5).json() == []
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert cloud_records(cloud_sim, world.term.terminal_id) == [1, 2]
