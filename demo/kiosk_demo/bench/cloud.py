"""Benchmark: request latency of the main cloud calls, kiosk client → simulator on loopback.

`python -m kiosk_demo.bench.cloud [--rounds 200] [--terminals 4]` starts `kiosk cloud-sim` as
a separate process (temporary database and test CA), sets up a terminal and a holder
through /sim, then times each call through the kiosk's CloudClient (signing included,
the card's own signature excluded). Prints JSON: per call the median and p90 in ms, and
hold+commit exchanges per second with several terminals at once. `run()` returns it.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.rules import quote
from kiosk.sync.cloud import CloudClient
from kiosk.sync.settlement_record import GENESIS_HASH, seal
from kiosk_demo.demo_env import SimAdmin, b64, free_port
from kiosk_demo.jpki_ca import TestJpkiCa, new_rsa_key

EVENT = "bench-event"


class _BenchClient(CloudClient):
    device_key: Ed25519PrivateKey  # the terminal's signing key, kept with its client (bench only)


class _Setup(SimAdmin):
    def __init__(self, url: str, ca: TestJpkiCa) -> None:
        super().__init__(url)
        self.ca = ca

    def terminal(self) -> _BenchClient:
        tid, secret, key = f"bench-{uuid.uuid4().hex[:8]}", secrets.token_bytes(32), Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.post("/sim/terminals", {"terminal_id": tid, "secret": b64(secret), "device_public_key": b64(public)})
        client = _BenchClient(self.url, tid, secret, timeout_s=10)
        client.device_key = key
        return client

    def holder(self, points: int):
        key = new_rsa_key()
        der = self.ca.auth.issue(key.public_key()).public_bytes(serialization.Encoding.DER)
        mykey = self.post("/sim/holders", {"certificate": b64(der)})["mykey_id"]
        self.post("/sim/issue", {"mykey_id": mykey, "event_id": EVENT, "points": points})
        return key, der


def _timed(samples: dict[str, list[float]], name: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    samples.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    return out


def _login(client: CloudClient, key, der, samples):
    challenge = _timed(samples, "auth_challenge", client.challenge)
    signature = key.sign(challenge.nonce, padding.PKCS1v15(), hashes.SHA256())
    return _timed(samples, "auth_holder", client.authenticate_holder, challenge.challenge_id, der, signature)


def _exchange(client: CloudClient, session, samples, points: int = 500) -> tuple[str, str, dict]:
    xid, load_id, q = str(uuid.uuid4()), str(uuid.uuid4()), quote(points)
    _timed(samples, "hold", client.hold, session, xid, EVENT, points)
    breka = {"card_ref": "bench", "load_id": load_id, "loaded": q.loaded, "fee": q.fee, "balance_after": q.loaded}
    _timed(samples, "commit", client.commit, xid, **breka)
    return xid, load_id, breka


def run(rounds: int = 200, terminals: int = 4) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ca = TestJpkiCa.open(Path(tmp) / "ca")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk",
                "cloud-sim",
                "--port",
                str(port),
                "--db",
                str(Path(tmp) / "bench.sqlite3"),
                "--trust",
                str(ca.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if requests.get(url + "/sim/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("cloud-sim did not start")
                time.sleep(0.05)
            setup = _Setup(url, ca)
            setup.post(
                "/sim/events",
                {
                    "event_id": EVENT,
                    "issue_from": "2000-01-01T00:00:00+09:00",
                    "issue_until": "2100-01-01T00:00:00+09:00",
                },
            )
            return _measure(setup, rounds, terminals)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _measure(setup: _Setup, rounds: int, terminals: int) -> dict:
    samples: dict[str, list[float]] = {}
    client = setup.terminal()
    key, der = setup.holder(rounds * 1000)
    prev, seq = GENESIS_HASH, 0
    for _ in range(rounds):
        session = _login(client, key, der, samples)
        _timed(samples, "balance", client.balance, session)
        xid, load_id, breka = _exchange(client, session, samples)
        cancel_id = str(uuid.uuid4())
        client.hold(session, cancel_id, EVENT, 10)
        _timed(samples, "cancel", client.cancel, cancel_id, "bench")
        _timed(samples, "exchange_state", client.exchange, xid)
        seq += 1
        record = seal(
            {
                "record_id": str(uuid.uuid4()),
                "seq": seq,
                "terminal_id": client.terminal_id,
                "exchange_id": xid,
                "occurred_at": "2026-01-01T00:00:00+09:00",
                "mykey_id": session.mykey_id,
                "event_id": EVENT,
                "points_used": 500,
                "fee": breka["fee"],
                "loaded": breka["loaded"],
                "card_ref": "bench",
                "load_id": load_id,
                "prev_hash": prev,
            },
            client.device_key,
        )
        prev = record["hash"]
        _timed(samples, "settlement_batch_1", client.upload_batch, [record])
    _timed(samples, "monthly_report", client.monthly, "2026-01", "2026-12", EVENT)
    figures = {
        name: {
            "median_ms": round(statistics.median(v), 2),
            "p90_ms": round(sorted(v)[int(len(v) * 0.9) - 1 if len(v) > 1 else 0], 2),
            "n": len(v),
        }
        for name, v in samples.items()
    }
    figures["concurrent_exchanges_per_s"] = _throughput(setup, terminals, max(10, rounds // 4))
    return figures


def _throughput(setup: _Setup, terminals: int, per_terminal: int) -> dict:
    clients = [setup.terminal() for _ in range(terminals)]
    key, der = setup.holder(terminals * per_terminal * 500)
    sessions = [_login(c, key, der, {}) for c in clients]
    barrier = threading.Barrier(terminals)

    def work(i: int) -> None:
        barrier.wait()
        for _ in range(per_terminal):
            _exchange(clients[i], sessions[i], {})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(terminals)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "terminals": terminals,
        "exchanges": terminals * per_terminal,
        "per_s": round(terminals * per_terminal / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--terminals", type=int, default=4)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds, args.terminals), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
