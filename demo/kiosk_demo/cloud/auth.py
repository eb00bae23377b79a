"""Who is calling: the terminal (HMAC request signature) and the holder (JPKI, tokens)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import timedelta

from kiosk.sync import terminal_auth
from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import clock
from kiosk_demo.cloud.db import from_us, to_us
from kiosk_demo.cloud.errors import ApiError
from kiosk_demo.cloud.trust import TrustStore, cert_sha256, parse_certificate, verify_card_signature

CHALLENGE_TTL = timedelta(minutes=5)
TOKEN_TTL = timedelta(minutes=10)
SEEN_KEEP = terminal_auth.MAX_SKEW * 2  # a signature older than this is stale anyway
SIGNED_HEADERS = (
    terminal_auth.HEADER_TERMINAL,
    terminal_auth.HEADER_TIMESTAMP,
    terminal_auth.HEADER_NONCE,
    terminal_auth.HEADER_SIGNATURE,
    "Idempotency-Key",
    "Authorization",
)


@dataclass(frozen=True)
class Terminal:
    terminal_id: str
    events: tuple[str, ...]


def authenticate_terminal(conn: sqlite3.Connection, headers, method: str, path: str, body_hash: str) -> Terminal:
    """Check the terminal's signature and remember it, so the same request cannot come twice."""
    try:
        signed = terminal_auth.parse_headers(headers)
    except terminal_auth.SignatureProblem as exc:
        raise ApiError(Code(exc.code), str(exc)) from None
    for name in SIGNED_HEADERS:  # two copies: the signature would cover one, a handler might read the other
        if len(headers.getlist(name)) > 1:
            raise ApiError(Code.UNAUTHENTICATED, f"{name} is sent more than once")
    row = conn.execute("SELECT secret, events FROM terminals WHERE terminal_id = ?", (signed.terminal_id,)).fetchone()
    if row is None:
        raise ApiError(Code.UNKNOWN_TERMINAL, "terminal is not registered")
    real = clock.real_now()
    try:
        terminal_auth.verify(
            signed,
            row["secret"],
            method,
            path,
            body_hash,
            headers.get(terminal_auth.HEADER_TIMESTAMP),
            real,
            idempotency_key=headers.get("Idempotency-Key"),
            authorization=headers.get("Authorization"),
        )
    except terminal_auth.SignatureProblem as exc:
        raise ApiError(Code(exc.code), str(exc)) from None
    conn.execute("DELETE FROM seen_signatures WHERE seen_at < ?", (to_us(real - SEEN_KEEP),))
    try:
        conn.execute(
            "INSERT INTO seen_signatures (signature, terminal_id, seen_at) VALUES (?, ?, ?)",
            (signed.signature, signed.terminal_id, to_us(real)),
        )
    except sqlite3.IntegrityError:
        raise ApiError(Code.REPLAYED_REQUEST, "this signed request has been seen before") from None
    return Terminal(signed.terminal_id, tuple(json.loads(row["events"])))


def new_challenge(conn: sqlite3.Connection, terminal: Terminal) -> dict:
    now = clock.now(conn)
    challenge_id, nonce = str(uuid.uuid4()), secrets.token_bytes(32)
    conn.execute(
        "INSERT INTO challenges (challenge_id, terminal_id, nonce, expires_at) VALUES (?, ?, ?, ?)",
        (challenge_id, terminal.terminal_id, nonce, to_us(now + CHALLENGE_TTL)),
    )
    return {
        "challenge_id": challenge_id,
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "expires_at": now + CHALLENGE_TTL,
    }


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(Code.INVALID_REQUEST, f"{what} is not base64") from None


def authenticate_holder(
    conn: sqlite3.Connection,
    terminal: Terminal,
    trust: TrustStore,
    challenge_id: str,
    certificate_b64: str,
    signature_b64: str,
) -> dict:
    """Challenge → certificate chain, validity, revocation → signature → enrolment → token.

    A challenge is single-use: it is spent by the first attempt, whatever the outcome,
    so a failed signature cannot be retried against the same nonce."""
    now = clock.now(conn)
    row = _challenge(conn, terminal, challenge_id)
    if row["used"] or to_us(now) >= row["expires_at"]:
        raise ApiError(Code.CHALLENGE_EXPIRED, "challenge expired or already used; ask for a new one")
    conn.execute("UPDATE challenges SET used = 1 WHERE challenge_id = ?", (challenge_id,))
    der = _proven_certificate(conn, trust, row["nonce"], certificate_b64, signature_b64)
    holder = conn.execute("SELECT mykey_id FROM holders WHERE cert_sha256 = ?", (cert_sha256(der),)).fetchone()
    if holder is None:
        # The card is proven but has no MyKey ID: this proof may set one up (create_mykey),
        # once, until the challenge expires, without a second signature (no second PIN).
        conn.execute(
            "INSERT INTO enrolment_proofs (challenge_id, terminal_id, cert_sha256, expires_at) VALUES (?, ?, ?, ?)",
            (challenge_id, terminal.terminal_id, cert_sha256(der), row["expires_at"]),
        )
        raise ApiError(Code.NO_MYKEY_ID, "the holder has not set up a MyKey ID")
    return _token_for(conn, terminal, holder["mykey_id"], now)


def create_mykey(
    conn: sqlite3.Connection,
    terminal: Terminal,
    trust: TrustStore,
    challenge_id: str,
    certificate_b64: str,
    signature_b64: str,
) -> dict:
    """Set up a MyKey ID with the proof of a holder authentication that ended in no_mykey_id
    (same challenge, certificate and signature), checked again in full; then log the holder in."""
    now = clock.now(conn)
    row = _challenge(conn, terminal, challenge_id)
    proof = conn.execute(
        "SELECT cert_sha256, expires_at, used FROM enrolment_proofs WHERE challenge_id = ? AND terminal_id = ?",
        (challenge_id, terminal.terminal_id),
    ).fetchone()
    if proof is None:
        raise ApiError(Code.MYKEY_NOT_PROVEN, "no holder authentication ended in no_mykey_id with this challenge")
    if proof["used"] or to_us(now) >= proof["expires_at"]:
        raise ApiError(Code.CHALLENGE_EXPIRED, "the proof expired or was used; authenticate the holder again")
    der = _proven_certificate(conn, trust, row["nonce"], certificate_b64, signature_b64)
    if cert_sha256(der) != proof["cert_sha256"]:
        raise ApiError(Code.MYKEY_NOT_PROVEN, "the challenge was proven by another certificate")
    conn.execute("UPDATE enrolment_proofs SET used = 1 WHERE challenge_id = ?", (challenge_id,))
    holder = conn.execute("SELECT mykey_id FROM holders WHERE cert_sha256 = ?", (proof["cert_sha256"],)).fetchone()
    created = holder is None
    mykey_id = "mk-" + uuid.uuid4().hex[:16] if created else holder["mykey_id"]
    if created:
        conn.execute(
            "INSERT INTO holders (mykey_id, cert_sha256, enrolled_at) VALUES (?, ?, ?)",
            (mykey_id, proof["cert_sha256"], to_us(now)),
        )
        _hand_over_waiting(conn, proof["cert_sha256"], mykey_id)
    return _token_for(conn, terminal, mykey_id, now) | {"created": created}


def _hand_over_waiting(conn: sqlite3.Connection, fingerprint: str, mykey_id: str) -> None:
    """Simulator only: partner points that waited for this certificate's MyKey ID
    (POST /sim/reserved/waiting) become its reserved points, received when they arrived."""
    from kiosk_demo.cloud.exchanges import add_reserved

    rows = conn.execute(
        "SELECT waiting_id, points, received_at FROM waiting_reserved WHERE cert_sha256 = ?", (fingerprint,)
    ).fetchall()
    for row in rows:
        add_reserved(conn, mykey_id, row["points"], from_us(row["received_at"]))
        conn.execute("DELETE FROM waiting_reserved WHERE waiting_id = ?", (row["waiting_id"],))


def _challenge(conn: sqlite3.Connection, terminal: Terminal, challenge_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT nonce, expires_at, used FROM challenges WHERE challenge_id = ? AND terminal_id = ?",
        (challenge_id, terminal.terminal_id),
    ).fetchone()
    if row is None:
        raise ApiError(Code.CHALLENGE_UNKNOWN, "no such challenge for this terminal")
    return row


def _proven_certificate(
    conn: sqlite3.Connection, trust: TrustStore, nonce: bytes, certificate_b64: str, signature_b64: str
) -> bytes:
    """Chain, validity, revocation, then the card's signature over the nonce: the DER if all pass."""
    der = _b64(certificate_b64, "certificate")
    cert = parse_certificate(der)
    anchor = trust.check(cert, clock.real_now())
    revoked = conn.execute(
        "SELECT 1 FROM revocations WHERE issuer = ? AND serial = ?",
        (anchor.subject.rfc4514_string(), str(cert.serial_number)),
    ).fetchone()
    if revoked:
        raise ApiError(Code.CERTIFICATE_REVOKED, "certificate has been revoked")
    verify_card_signature(cert, nonce, _b64(signature_b64, "signature"))
    return der


def _token_for(conn: sqlite3.Connection, terminal: Terminal, mykey_id: str, now) -> dict:
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO holder_tokens (token_sha256, mykey_id, terminal_id, expires_at) VALUES (?, ?, ?, ?)",
        (_token_hash(token), mykey_id, terminal.terminal_id, to_us(now + TOKEN_TTL)),
    )
    return {"holder_token": token, "mykey_id": mykey_id, "expires_at": now + TOKEN_TTL}


def holder_of(conn: sqlite3.Connection, terminal: Terminal, authorization: str | None) -> str:
    """The MyKey ID behind `Authorization: Bearer <holder token>` (issued to this terminal)."""
    if not authorization or not authorization.startswith("Bearer ") or len(authorization) > 200:
        raise ApiError(Code.HOLDER_TOKEN_INVALID, "a holder token is required (Authorization: Bearer …)")
    row = conn.execute(
        "SELECT mykey_id, expires_at FROM holder_tokens WHERE token_sha256 = ? AND terminal_id = ?",
        (_token_hash(authorization[7:]), terminal.terminal_id),
    ).fetchone()
    if row is None:
        raise ApiError(Code.HOLDER_TOKEN_INVALID, "unknown holder token")
    if to_us(clock.now(conn)) >= row["expires_at"]:
        raise ApiError(Code.HOLDER_TOKEN_EXPIRED, f"holder token expired at {from_us(row['expires_at']).isoformat()}")
    return row["mykey_id"]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
