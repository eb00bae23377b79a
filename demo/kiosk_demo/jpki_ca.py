"""A test JPKI certificate authority for the demo and the tests (never for production).

Names follow the real JPKI roots' style (jpki.md §8) with "TEST" added so a test
certificate can never be mistaken for a real one. Keys and certificates are kept as
PEM files in one directory, so the demo, the card emulator and the cloud simulator
(its trust anchors) all use the same CA.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

AUTH = "auth"
SIGN = "sign"
_OU = {AUTH: "JPKI for user authentication", SIGN: "JPKI for digital signature"}
J_LIS = "Japan Agency for Local Authority Information Systems"


def ca_name(kind: str, org: str = "JPKI TEST") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _OU[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, J_LIS),
        ]
    )


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class Authority:
    kind: str
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, kind: str, org: str = "JPKI TEST", years: int = 10) -> Authority:
        key = new_rsa_key()
        name = ca_name(kind, org)
        start = _now() - dt.timedelta(days=1)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(kind, key, cert)

    def issue(
        self,
        public_key,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        serial: int | None = None,
    ) -> x509.Certificate:
        """An end-entity certificate for a card key. The auth certificate names nobody
        (a real one carries no name, address, birth date or sex), only a serial."""
        start = not_before or (_now() - dt.timedelta(days=1))
        end = not_after or (start + dt.timedelta(days=365 * 5))
        serial = serial or x509.random_serial_number()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"{serial:X}"),
            ]
        )
        usage = (
            x509.KeyUsage(True, False, False, False, False, False, False, False, False)
            if self.kind == AUTH
            else x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        key_path = directory / f"{self.kind}_ca.key.pem"
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        (directory / f"{self.kind}_ca.crt.pem").write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    @classmethod
    def load(cls, directory: Path, kind: str) -> Authority:
        key_path = directory / f"{kind}_ca.key.pem"
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{key_path}: not an RSA private key")
        cert = x509.load_pem_x509_certificate((directory / f"{kind}_ca.crt.pem").read_bytes())
        return cls(kind, key, cert)


@dataclass
class TestJpkiCa:
    """The pair of test CAs (user authentication, digital signature) in one directory."""

    __test__ = False  # not a pytest test class despite the name
    directory: Path
    auth: Authority
    sign: Authority

    @classmethod
    def open(cls, directory: Path | str) -> TestJpkiCa:
        """Load the CA from `directory`, creating it on first use."""
        directory = Path(directory)
        if (directory / "auth_ca.crt.pem").exists():
            return cls(directory, Authority.load(directory, AUTH), Authority.load(directory, SIGN))
        ca = cls(directory, Authority.create(AUTH), Authority.create(SIGN))
        ca.auth.save(directory)
        ca.sign.save(directory)
        return ca

    def trust_anchor_pem(self) -> bytes:
        return self.auth.cert.public_bytes(serialization.Encoding.PEM)


def random_serial() -> int:
    return secrets.randbits(63) | 1
