"""The point cloud simulator as a real server process, and helpers to drive it.

`cloud_ca` and `cloud_sim` are session fixtures, imported into tests/conftest.py so the
whole session shares one server process; test modules import `sim` (per test: resets
the clock and faults afterwards) and the helpers from here.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.sync.cloud import CloudClient, HolderSession
from kiosk_demo.demo_env import CloudProcess, free_port  # noqa: F401 (free_port for the tests)
from kiosk_demo.jpki_ca import TestJpkiCa, new_rsa_key

EVENT = "kawasaki-h29-h30"
JST = dt.timezone(dt.timedelta(hours=9))


class SimProcess(CloudProcess):
    """`python -m kiosk cloud-sim` in a subprocess on a free loopback port (kiosk_demo.demo_env)."""

    def __init__(self, db: Path, trust: list[Path], extra: list[str] | None = None, scheme: str = "http") -> None:
        super().__init__(db, trust, extra=extra, scheme=scheme)
        self.db = db

    def wait_ready(self, timeout: float = 15.0) -> None:
        super().wait_ready(timeout)


@dataclass
class Terminal:
    terminal_id: str
    secret: bytes
    device_key: Ed25519PrivateKey


@dataclass
class CardHolder:
    key: object
    cert_der: bytes
    mykey_id: str | None

    def sign(self, nonce: bytes) -> bytes:
        """What the card does: RSASSA-PKCS1-v1_5 over SHA-256(nonce)."""
        return self.key.sign(nonce, padding.PKCS1v15(), hashes.SHA256())


class Sim:
    """Set-up through the simulator's /sim endpoints (the kiosk never calls these)."""

    def __init__(self, url: str, ca: TestJpkiCa, verify: str | bool = True) -> None:
        self.url, self.ca = url, ca
        self.http = requests.Session()
        self.http.verify = verify

    def post(self, path: str, body: dict, expect: int = 201) -> dict:
        r = self.http.post(self.url + path, json=body, timeout=10, verify=self.http.verify)
        assert r.status_code == expect, (path, r.status_code, r.text)
        return r.json()

    def terminal(self, events: list[str] | None = None) -> Terminal:
        term = Terminal(f"t-{uuid.uuid4().hex[:10]}", secrets.token_bytes(32), Ed25519PrivateKey.generate())
        public = term.device_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.post(
            "/sim/terminals",
            {
                "terminal_id": term.terminal_id,
                "secret": _b64(term.secret),
                "device_public_key": _b64(public),
                "events": events or [],
            },
        )
        return term

    def event(
        self,
        event_id: str | None = None,
        issue_from: str = "2017-11-20T00:00:00+09:00",
        issue_until: str = "2030-01-01T00:00:00+09:00",
        exchange_until: str | None = None,
    ) -> str:
        event_id = event_id or f"ev-{uuid.uuid4().hex[:8]}"
        self.post(
            "/sim/events",
            {
                "event_id": event_id,
                "issue_from": issue_from,
                "issue_until": issue_until,
                "exchange_until": exchange_until,
            },
        )
        return event_id

    def holder(self, enrol: bool = True, **cert_kwargs) -> CardHolder:
        key = new_rsa_key()
        cert = self.ca.auth.issue(key.public_key(), **cert_kwargs)
        der = cert.public_bytes(serialization.Encoding.DER)
        mykey_id = self.post("/sim/holders", {"certificate": _b64(der)})["mykey_id"] if enrol else None
        return CardHolder(key, der, mykey_id)

    def issue(self, mykey_id: str, event_id: str, points: int, at: str | None = None) -> dict:
        return self.post("/sim/issue", {"mykey_id": mykey_id, "event_id": event_id, "points": points, "at": at})

    def clock(self, now: str | None = None, advance_s: int | None = None, frozen: bool = True) -> str:
        return self.post("/sim/clock", {"now": now, "advance_s": advance_s, "frozen": frozen}, expect=200)["now"]

    def real_clock(self) -> None:
        assert self.http.delete(self.url + "/sim/clock", timeout=10).ok

    def fault(self, path: str, kind: str, **spec) -> dict:
        return self.post("/sim/faults", {"path": path, "kind": kind, **spec})

    def clear_faults(self) -> None:
        assert self.http.delete(self.url + "/sim/faults", timeout=10).ok


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def client_for(url: str, term: Terminal, **kwargs) -> CloudClient:
    kwargs.setdefault("backoff_s", 0.02)
    kwargs.setdefault("timeout_s", 5.0)
    return CloudClient(url, term.terminal_id, term.secret, **kwargs)


def login(client: CloudClient, holder: CardHolder) -> HolderSession:
    challenge = client.challenge()
    return client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(challenge.nonce))


@pytest.fixture(scope="session")
def cloud_ca(tmp_path_factory) -> TestJpkiCa:
    return TestJpkiCa.open(tmp_path_factory.mktemp("jpki-ca"))


@pytest.fixture(scope="session")
def cloud_sim(cloud_ca, tmp_path_factory):
    proc = SimProcess(tmp_path_factory.mktemp("cloud-sim") / "cloud.sqlite3", [cloud_ca.directory])
    try:
        proc.wait_ready()
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def sim(cloud_sim, cloud_ca):
    """Admin access to the shared simulator; the clock and faults are reset after each test."""
    admin = Sim(cloud_sim.url, cloud_ca)
    yield admin
    admin.clear_faults()
    admin.real_clock()
