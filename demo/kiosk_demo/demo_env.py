"""The demo world in one folder: test CA, virtual cards, the cloud simulator, the kiosk's
configuration and secrets. Used by `kiosk demo` and by the end-to-end tests.

Everything is created once and reused, so a second demo run continues where the first
left off: the same cards (balances, PIN counters), the same cloud database, the same
terminal credentials.
"""

from __future__ import annotations

import base64
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.config import defaults, render_toml
from kiosk.secrets import Secret, get_secret, set_secret
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS, install_demo_masters_in_keyring
from kiosk_demo.children import child_options
from kiosk_demo.jpki_ca import TestJpkiCa
from kiosk_demo.tls_cert import loopback_certificate

EVENT_ID = "kawasaki-h29-h30"
TERMINAL_ID = "demo-terminal-01"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def holder_balance(client, card_state) -> dict:
    """A holder's balance, asked as the kiosk asks, signed with the virtual card's own key
    (a `kiosk_demo.mynumber_state.CardState`): no PIN spent, no card on the reader."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    challenge = client.challenge()
    signature = card_state.private_key("auth").sign(challenge.nonce, padding.PKCS1v15(), hashes.SHA256())
    holder = client.authenticate_holder(challenge.challenge_id, card_state.der("auth_cert"), signature)
    return client.balance(holder)


def usable_points(client, card_state) -> int:
    return int(holder_balance(client, card_state)["usable"])


def reserved_points(client, card_state) -> int:
    return sum(int(r["points"]) for r in holder_balance(client, card_state)["reserved"])


class CloudProcess:
    """`python -m kiosk cloud-sim` as a child process on loopback."""

    def __init__(
        self,
        db: Path,
        trust: Path | list[Path],
        port: int | None = None,
        extra: list[str] | None = None,
        scheme: str = "http",
    ):
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.verify: str | bool = True  # a CA bundle path when the simulator serves HTTPS
        self.log_path = db.with_suffix(".log")
        self._log = self.log_path.open("ab")
        anchors = [trust] if isinstance(trust, Path) else trust
        cmd = [sys.executable, "-m", "kiosk", "cloud-sim", "--port", str(self.port), "--db", str(db)]
        for anchor in anchors:
            cmd += ["--trust", str(anchor)]
        options = child_options()
        options["env"]["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(cmd + (extra or []), stdout=self._log, stderr=subprocess.STDOUT, **options)

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cloud simulator exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if requests.get(self.url + "/sim/health", timeout=1, verify=self.verify).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"cloud simulator did not answer within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class SimAdmin:
    """The simulator's /sim endpoints (demo set-up and tests; the kiosk never calls them)."""

    def __init__(self, url: str, verify: str | bool = True):
        self.url = url
        self.http = requests.Session()
        # The demo's CA bundle under HTTPS; given on every call, as REQUESTS_CA_BUNDLE would
        # override a Session's own.
        self.verify = verify

    def post(self, path: str, body: dict) -> dict:
        r = self.http.post(self.url + path, json=body, timeout=10, verify=self.verify)
        if r.status_code >= 300:
            raise RuntimeError(f"{path}: {r.status_code} {r.text}")
        return r.json()

    def enrol(self, cert_der: bytes) -> str:
        return self.post("/sim/holders", {"certificate": b64(cert_der)})["mykey_id"]

    def issue(self, mykey_id: str, points: int, at: str | None = None, event_id: str = EVENT_ID) -> dict:
        return self.post("/sim/issue", {"mykey_id": mykey_id, "event_id": event_id, "points": points, "at": at})

    def reserve(self, mykey_id: str, points: int, at: str | None = None) -> dict:
        """Reserved points (留保ポイント, valid 14 days), as a partner exchange gives them."""
        return self.post("/sim/reserved", {"mykey_id": mykey_id, "points": points, "at": at})

    def reserve_waiting(self, cert_der: bytes, points: int, at: str | None = None) -> dict:
        """Partner points for a card with no MyKey ID yet: reserved once its MyKey ID is set up."""
        return self.post("/sim/reserved/waiting", {"certificate": b64(cert_der), "points": points, "at": at})

    def revoke(self, cert_der: bytes) -> dict:
        return self.post("/sim/revocations", {"certificate": b64(cert_der)})

    def clock(self, now: str) -> str:
        return self.post("/sim/clock", {"now": now, "frozen": True})["now"]

    def real_clock(self) -> None:
        self.http.delete(self.url + "/sim/clock", timeout=10, verify=self.verify).raise_for_status()

    def fault(self, path: str, kind: str, **spec) -> dict:
        return self.post("/sim/faults", {"path": path, "kind": kind, **spec})

    def clear_faults(self) -> None:
        self.http.delete(self.url + "/sim/faults", timeout=10, verify=self.verify).raise_for_status()


# The street of the Kawasaki experiment as the claimant. The association's name is real; the
# representative, address and bank account are invented and say so (デモ) on every claim.
DEMO_CLAIMANT = {
    "association": "元住吉 モトスミ・ブレーメン通り商店街振興組合",
    "representative": "理事長 見本 太郎（デモ・架空）",
    "address": "神奈川県川崎市中原区（デモ・架空の住所）",
    "addressee": "川崎市長",
    "bank_name": "デモ銀行（架空）",
    "bank_branch": "見本支店",
    "account_type": "普通",
    "account_number": "0000000",
    "account_holder": "デモ（カクウ）",
    "number_prefix": "MB-",
}


@dataclass
class DemoEnv:
    root: Path
    ca_dir: Path | None = None  # share one test CA between several worlds (tests)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.cards = self.root / "cards"
        self.cards.mkdir(exist_ok=True)
        self.ca_dir = Path(self.ca_dir) if self.ca_dir else self.root / "jpki-ca"
        self.ca = TestJpkiCa.open(self.ca_dir)

    @property
    def kiosk_db(self) -> Path:
        return self.root / "kiosk.sqlite3"

    @property
    def cloud_db(self) -> Path:
        return self.root / "cloud-sim.sqlite3"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def keyring_path(self) -> Path:
        return self.root / "demo-keyring.json"

    def mynumber_card(self, name: str = "citizen", pin: str = "1234") -> Path:
        from kiosk_demo.mynumber_state import issue_card

        path = self.cards / f"{name}.mynumber.json"
        if not path.exists():
            issue_card(self.ca, pin).save(path)
        return path

    def breka_card(self, name: str = "citizen", balance: int = 0) -> Path:
        from kiosk_demo.breka_state import issue_breka_card

        path = self.cards / f"{name}.breka.json"
        if not path.exists():
            issue_breka_card(path, DEMO_MASTER_KEYS, balance)
        return path

    @staticmethod
    def auth_cert_der(mynumber_path: Path) -> bytes:
        from kiosk_demo.mynumber_state import CardState

        return CardState.load(mynumber_path).der("auth_cert")

    @property
    def tls_cert(self) -> Path:
        """The simulator's self-signed loopback certificate, also the kiosk's CA bundle."""
        return loopback_certificate(self.root)[0]

    def start_cloud(self, port: int | None = None) -> CloudProcess:
        """The simulator over HTTPS on loopback, as the kiosk would meet the real cloud."""
        cert, key = loopback_certificate(self.root)
        if self.ca_dir is None:
            raise RuntimeError("DemoEnv.ca_dir is set by __post_init__")
        cloud = CloudProcess(
            self.cloud_db, self.ca_dir, port, extra=["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https"
        )
        cloud.verify = str(cert)
        cloud.wait_ready()
        return cloud

    def provision(
        self,
        cloud_url: str,
        terminal_id: str = TERMINAL_ID,
        event_window: tuple[str, str] | None = None,
        ca_bundle: str | None = None,
    ) -> SimAdmin:
        """Secrets into the (current) keyring, the terminal and event into the simulator,
        and a config.toml that points the kiosk at all of it. Idempotent. `ca_bundle`: the
        certificate of a simulator this folder did not start (default: this folder's)."""
        secret = get_secret(Secret.TERMINAL_SECRET) or secrets.token_bytes(32)
        set_secret(Secret.TERMINAL_SECRET, secret)
        device_key = get_secret(Secret.DEVICE_KEY) or Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        set_secret(Secret.DEVICE_KEY, device_key)
        if get_secret(Secret.CARD_REF_KEY) is None:
            set_secret(Secret.CARD_REF_KEY, secrets.token_bytes(32))
        install_demo_masters_in_keyring()
        public = (
            Ed25519PrivateKey.from_private_bytes(device_key)
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        if ca_bundle is None:
            ca_bundle = str(self.tls_cert) if cloud_url.startswith("https://") else ""
        admin = SimAdmin(cloud_url, verify=ca_bundle or True)
        issue_from, issue_until = event_window or ("2017-11-20T00:00:00+09:00", "2099-12-01T00:00:00+09:00")
        admin.post(
            "/sim/events",
            {"event_id": EVENT_ID, "issue_from": issue_from, "issue_until": issue_until, "exchange_until": None},
        )
        admin.post(
            "/sim/terminals",
            {"terminal_id": terminal_id, "secret": b64(secret), "device_public_key": b64(public), "events": [EVENT_ID]},
        )
        values = defaults()
        values["cloud"]["url"] = cloud_url
        values["cloud"]["terminal_id"] = terminal_id
        values["cloud"]["ca_bundle"] = ca_bundle
        values["store"]["path"] = str(self.kiosk_db)
        values["rules"]["event_issue_until"] = issue_until  # the kiosk says when issuing has closed
        values["reader"]["name"] = "Virtual PCD 00 00"
        values["claim"].update(DEMO_CLAIMANT, folder=str(self.root / "claims"))
        self.config_path.write_text(render_toml(values), encoding="utf-8")
        return admin
