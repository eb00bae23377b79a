"""JPKI trust anchors of the simulator and the certificate checks of holder authentication."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud.errors import ApiError


def load_anchors(sources: list[str | Path]) -> list[x509.Certificate]:
    """Certificates from PEM files or directories. A directory laid out by the test CA
    (kiosk_demo.jpki_ca) contributes only its user-authentication CA, so a signature
    certificate can never pass as an authentication one; other directories give every
    certificate in their *.pem files."""
    anchors: list[x509.Certificate] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files = [path / "auth_ca.crt.pem"] if (path / "auth_ca.crt.pem").exists() else sorted(path.glob("*.pem"))
        elif path.is_file():
            files = [path]
        else:
            raise FileNotFoundError(f"{path}: no such trust anchor file or directory")
        for file in files:
            data = file.read_bytes()
            if b"BEGIN CERTIFICATE" in data:
                anchors.extend(x509.load_pem_x509_certificates(data))
    return anchors


def cert_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def parse_certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise ApiError(Code.INVALID_REQUEST, "certificate is not a DER X.509 certificate") from None


@dataclass
class TrustStore:
    anchors: list[x509.Certificate]

    def issuer_of(self, cert: x509.Certificate) -> x509.Certificate:
        """The anchor that signed `cert`, or certificate_untrusted."""
        for anchor in self.anchors:
            if anchor.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(anchor)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return anchor
        raise ApiError(Code.CERTIFICATE_UNTRUSTED, "certificate does not chain to a JPKI trust anchor")

    def check(self, cert: x509.Certificate, real_now: datetime) -> x509.Certificate:
        anchor = self.issuer_of(cert)
        for c in (cert, anchor):
            if not (c.not_valid_before_utc <= real_now <= c.not_valid_after_utc):
                raise ApiError(Code.CERTIFICATE_EXPIRED, "certificate is outside its validity period")
        return anchor


def verify_card_signature(cert: x509.Certificate, nonce: bytes, signature: bytes) -> None:
    """The card signs SHA-256(nonce) (RSASSA-PKCS1-v1_5, DigestInfo for SHA-256)."""
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ApiError(Code.CERTIFICATE_UNTRUSTED, "certificate key is not RSA")
    try:
        key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ApiError(Code.BAD_SIGNATURE, "signature does not verify with the certificate") from None
