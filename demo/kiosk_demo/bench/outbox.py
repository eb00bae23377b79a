"""Outbox figures: the cost of one durable enqueue, and uploading 100,000 records.

The simulator accepts a settlement record only for a committed exchange of the same
terminal, so the benchmark seeds its database with the matching committed exchanges
directly (the 100,000 holds and commits themselves are not what is measured here).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from kiosk.store import Store
from kiosk.sync.outbox import Outbox


def _committed(tx, outbox: Outbox, device_key: bytes, event_id: str = "ev") -> dict:
    """One committed exchange row and its sealed record, in the caller's transaction."""
    xid = str(uuid.uuid4())
    tx.execute(
        "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id, mykey_id, points, "
        "fee, loaded) VALUES (?, 'committed', 'x', 'x', ?, 'mk-bench', 500, 45, 455)",
        (xid, event_id),
    )
    return outbox.append(
        tx,
        device_key=device_key,
        exchange_id=xid,
        mykey_id="mk-bench",
        event_id=event_id,
        points_used=500,
        fee=45,
        loaded=455,
        card_ref="ref",
        load_id=xid,
    )


def _enqueue(store: Store, outbox: Outbox, device_key: bytes, n: int) -> None:
    for _ in range(n):
        with store.transaction() as tx:
            _committed(tx, outbox, device_key)


def enqueue_ms(rounds: int = 300) -> dict:
    """One exchange row and its sealed record in one durable transaction (the commit path)."""
    import os

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "k.sqlite3") as store:
        outbox, key = Outbox(store, "bench"), os.urandom(32)
        _enqueue(store, outbox, key, 20)  # warm-up
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            _enqueue(store, outbox, key, 1)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "enqueue_ms": round(statistics.median(times), 3),
        "enqueue_p90_ms": round(statistics.quantiles(times, n=10)[-1], 3),
    }


def upload_100k(records: int = 100_000, rounds: int = 3) -> dict:
    """Time the uploader sending `records` sealed records to the simulator, `rounds` times.

    The outbox and the simulator's database are filled once (the fill is not the figure),
    then each round starts from a copy of both, so every round sends the same records to
    a cloud that has seen none of them."""
    from kiosk.secrets import Secret, require_secret
    from kiosk_demo.demo_env import DemoEnv
    from kiosk_demo.demo_keyring import use_demo_keyring

    with tempfile.TemporaryDirectory() as tmp:
        template = DemoEnv(Path(tmp) / "template")
        use_demo_keyring(template.keyring_path)
        cloud = template.start_cloud()
        try:
            template.provision(cloud.url, terminal_id="bench-outbox")
        finally:
            cloud.stop()
        device_key = require_secret(Secret.DEVICE_KEY)
        t = time.perf_counter()
        with Store(template.kiosk_db) as store:
            outbox = Outbox(store, "bench-outbox")
            with store.transaction() as tx:  # built in one transaction: the fill is not the figure
                for _ in range(records):
                    _committed(tx, outbox, device_key, event_id="kawasaki-h29-h30")
            _seed_cloud(template.cloud_db, "bench-outbox", outbox.unsent(records))
        fill_s = time.perf_counter() - t
        times, last = [], {}
        for i in range(rounds):
            run = Path(tmp) / f"round{i}"
            shutil.copytree(template.root, run, ignore=shutil.ignore_patterns("*.log"))
            last = _upload_round(DemoEnv(run), require_secret(Secret.TERMINAL_SECRET))
            times.append(last["seconds"])
            shutil.rmtree(run)
    return {
        "outbox_100k_s": round(statistics.median(times), 2),
        "outbox_100k_min_s": round(min(times), 2),
        "outbox_100k_max_s": round(max(times), 2),
        "outbox_rounds": rounds,
        "outbox_records": records,
        "outbox_batches": last["batches"],
        "outbox_accepted": last["accepted"],
        "outbox_unsent_after": last["unsent"],
        "outbox_fill_s": round(fill_s, 2),
    }


def _upload_round(env, terminal_secret: bytes) -> dict:
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.uploader import Uploader

    cloud = env.start_cloud()
    try:
        with Store(env.kiosk_db) as store:
            outbox = Outbox(store, "bench-outbox")
            client = CloudClient(cloud.url, "bench-outbox", terminal_secret, timeout_s=60, ca_bundle=str(env.tls_cert))
            t = time.perf_counter()
            summary = Uploader(outbox, client).upload_once()
            seconds = time.perf_counter() - t
            client.close()
            status = outbox.status()
    finally:
        cloud.stop()
    return {"seconds": seconds, "batches": summary.batches, "accepted": status.accepted, "unsent": status.unsent}


def _seed_cloud(db: Path, terminal_id: str, records: list[dict]) -> None:
    conn = sqlite3.connect(db, timeout=30)
    with conn:
        conn.executemany(
            "INSERT INTO exchanges (exchange_id, terminal_id, mykey_id, event_id, points, state, created_at, "
            "finished_at, breka) VALUES (?, ?, ?, ?, ?, 'committed', 0, 0, ?)",
            [
                (
                    r["exchange_id"],
                    terminal_id,
                    r["mykey_id"],
                    r["event_id"],
                    r["points_used"],
                    json.dumps(
                        {
                            "card_ref": r["card_ref"],
                            "load_id": r["load_id"],
                            "loaded": r["loaded"],
                            "fee": r["fee"],
                            "balance_after": r["loaded"],
                        }
                    ),
                )
                for r in records
            ],
        )
    conn.close()
