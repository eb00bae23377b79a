"""The terminal's request signature, shared by the kiosk's client and the cloud simulator.

Every terminal request carries four headers:
  X-Terminal-Id   the terminal's registered id
  X-Timestamp     RFC 3339 UTC time of signing (the server refuses > 5 min skew)
  X-Nonce         16 random bytes, hex (so two identical requests never sign alike)
  X-Signature     base64 HMAC-SHA-256(secret, canonical string)

The canonical string is, one per line: METHOD, path with query string, timestamp, nonce,
hex SHA-256 of the body bytes as sent (gzip-compressed bodies are hashed compressed), the
Idempotency-Key header, hex SHA-256 of the Authorization header (an absent header is an
empty line). Covering the two headers means a relay can neither swap the key (and get
another exchange's stored answer) nor add or change a holder token; the token is hashed
so the canonical string never holds it.
The server remembers signatures it has seen for the freshness window, so a captured
request cannot be replayed. Pure: no I/O, no clock of its own unless none is given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HEADER_TERMINAL = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
MAX_SKEW = timedelta(minutes=5)


class SignatureProblem(ValueError):
    """Why a request's signature is refused; `code` is the cloud's stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def body_sha256(body: bytes | None) -> str:
    return hashlib.sha256(body or b"").hexdigest()


def canonical_string(
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body_hash: str,
    idempotency_key: str | None,
    authorization: str | None,
) -> bytes:
    auth_hash = hashlib.sha256(authorization.encode("utf-8")).hexdigest() if authorization else ""
    lines = [method.upper(), path, timestamp, nonce, body_hash, idempotency_key or "", auth_hash]
    return "\n".join(lines).encode("utf-8")


def signature(
    secret: bytes,
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body_hash: str,
    idempotency_key: str | None,
    authorization: str | None,
) -> str:
    text = canonical_string(method, path, timestamp, nonce, body_hash, idempotency_key, authorization)
    return base64.b64encode(hmac.new(secret, text, hashlib.sha256).digest()).decode("ascii")


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_headers(
    terminal_id: str,
    secret: bytes,
    method: str,
    path: str,
    body: bytes | None,
    now: datetime | None = None,
    nonce: str | None = None,
    *,
    idempotency_key: str | None = None,
    authorization: str | None = None,
) -> dict[str, str]:
    """The four authentication headers for one request (`path` includes the query string;
    `idempotency_key` and `authorization` are the values of those headers, if sent)."""
    timestamp = format_timestamp(now or datetime.now(UTC))
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_TERMINAL: terminal_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(
            secret, method, path, timestamp, nonce, body_sha256(body), idempotency_key, authorization
        ),
    }


@dataclass(frozen=True)
class SignedRequest:
    terminal_id: str
    timestamp: datetime
    nonce: str
    signature: str


def parse_headers(headers: Mapping[str, str]) -> SignedRequest:
    """Read the authentication headers (any case-insensitive mapping); refuse missing ones."""
    values = {
        name: headers.get(name) or "" for name in (HEADER_TERMINAL, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SignatureProblem("unauthenticated", f"missing terminal authentication headers: {', '.join(missing)}")
    try:
        stamp = datetime.fromisoformat(values[HEADER_TIMESTAMP].replace("Z", "+00:00"))
    except ValueError:
        raise SignatureProblem("unauthenticated", "X-Timestamp is not an RFC 3339 time") from None
    if stamp.tzinfo is None:
        raise SignatureProblem("unauthenticated", "X-Timestamp has no offset")
    nonce = values[HEADER_NONCE]
    if not (8 <= len(nonce) <= 64) or not nonce.isascii() or not nonce.isalnum():
        raise SignatureProblem("unauthenticated", "X-Nonce must be 8 to 64 letters or digits")
    return SignedRequest(values[HEADER_TERMINAL], stamp, nonce, values[HEADER_SIGNATURE])


def verify(
    signed: SignedRequest,
    secret: bytes,
    method: str,
    path: str,
    body_hash: str,
    timestamp_text: str,
    now: datetime,
    *,
    idempotency_key: str | None,
    authorization: str | None,
) -> None:
    """Check freshness and the HMAC; raise SignatureProblem. Replay memory is the caller's."""
    if abs(now - signed.timestamp) > MAX_SKEW:
        raise SignatureProblem("stale_request", "request timestamp is more than 5 minutes from the server's clock")
    expected = signature(secret, method, path, timestamp_text, signed.nonce, body_hash, idempotency_key, authorization)
    if not hmac.compare_digest(expected.encode("ascii"), signed.signature.encode("ascii", "replace")):
        raise SignatureProblem("bad_terminal_signature", "terminal signature does not match the request")
