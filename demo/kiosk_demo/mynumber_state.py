"""The virtual My Number Card's persistent memory: keys, certificates, PIN counters.

Kept in one JSON file written atomically (tmp + fsync + rename + directory fsync), so a
killed card process never leaves a half-written card and PIN counters survive restarts,
as the EEPROM of a real card does. The PIN and the signing password are stored only as
salted hashes: a state file never shows them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk_demo.jpki_ca import TestJpkiCa, new_rsa_key

FORMAT = "kiosk-virtual-mynumber/1"
AUTH_PIN_TRIES = 3
SIGN_PASSWORD_TRIES = 5
TOKEN = "JPKIAPICCTOKEN2"

_AUTH_PIN = re.compile(r"[0-9]{4}")
_SIGN_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")


def _hash(salt: bytes, secret: bytes) -> str:
    return hashlib.sha256(salt + secret).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class CardState:
    token: str
    salt: str  # base64; salts both secret hashes
    auth_pin_hash: str
    auth_tries: int
    sign_password_hash: str
    sign_tries: int
    auth_key_pem: str
    auth_cert: str  # base64 DER (what EF 000A holds)
    auth_ca_cert: str  # base64 DER (EF 000B)
    sign_key_pem: str
    sign_cert: str  # base64 DER (EF 0001)
    sign_ca_cert: str  # base64 DER (EF 0002)
    format: str = FORMAT

    # -- secrets -------------------------------------------------------------------
    def _salt(self) -> bytes:
        return base64.b64decode(self.salt)

    def auth_pin_matches(self, candidate: bytes) -> bool:
        return hmac.compare_digest(_hash(self._salt(), candidate), self.auth_pin_hash)

    def sign_password_matches(self, candidate: bytes) -> bool:
        return hmac.compare_digest(_hash(self._salt(), candidate), self.sign_password_hash)

    # -- contents ------------------------------------------------------------------
    def der(self, field: str) -> bytes:
        return base64.b64decode(getattr(self, field))

    def private_key(self, which: str) -> rsa.RSAPrivateKey:
        pem = self.auth_key_pem if which == "auth" else self.sign_key_pem
        key = serialization.load_pem_private_key(pem.encode("ascii"), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"the card's {which} key is not an RSA private key")
        return key

    def auth_certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der("auth_cert"))

    # -- file ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        save_atomic(Path(path), json.dumps(asdict(self), indent=1).encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> CardState:
        raw = json.loads(Path(path).read_text("utf-8"))
        if raw.get("format") != FORMAT:
            raise ValueError(f"{path}: not a virtual My Number Card state file")
        return cls(**raw)


def save_atomic(path: Path, data: bytes) -> None:
    """tmp file in the same directory, fsync, rename over, fsync the directory."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)  # holds the card's private keys
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def check_auth_pin(pin: str) -> None:
    if not _AUTH_PIN.fullmatch(pin):
        raise ValueError("the user-authentication PIN is exactly 4 digits")


def check_sign_password(password: str) -> None:
    if not _SIGN_PASSWORD.fullmatch(password):
        raise ValueError("the signing password is 6-16 upper-case letters A-Z and digits")


def issue_card(ca: TestJpkiCa, pin: str = "1234", sign_password: str = "ABC123") -> CardState:
    """A fresh card: two RSA-2048 key pairs, certificates from the test CAs, full tries."""
    check_auth_pin(pin)
    check_sign_password(sign_password)
    salt = secrets.token_bytes(16)
    auth_key, sign_key = new_rsa_key(), new_rsa_key()
    auth_cert = ca.auth.issue(auth_key.public_key())
    sign_cert = ca.sign.issue(sign_key.public_key())

    def pem(key: rsa.RSAPrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    def der(cert: x509.Certificate) -> str:
        return _b64(cert.public_bytes(serialization.Encoding.DER))

    return CardState(
        token=TOKEN,
        salt=_b64(salt),
        auth_pin_hash=_hash(salt, pin.encode("ascii")),
        auth_tries=AUTH_PIN_TRIES,
        sign_password_hash=_hash(salt, sign_password.encode("ascii")),
        sign_tries=SIGN_PASSWORD_TRIES,
        auth_key_pem=pem(auth_key),
        auth_cert=der(auth_cert),
        auth_ca_cert=der(ca.auth.cert),
        sign_key_pem=pem(sign_key),
        sign_cert=der(sign_cert),
        sign_ca_cert=der(ca.sign.cert),
    )
