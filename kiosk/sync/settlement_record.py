"""Settlement records: canonical JSON, a SHA-256 hash chain and an Ed25519 signature.

One record per committed exchange (cloud-api.md), and one more per exchange reversed the
same day (a correction). Kinds:

* `exchange` — the record has no `kind` field (every record before corrections had none, so
  their hashes stay what they were): `points_used`, `fee` and `loaded` are positive, `load_id`
  is the exchange id (the card's load record).
* `reversal` — `"kind": "reversal"`; `exchange_id` names the exchange it reverses, and
  `points_used`, `fee` and `loaded` are that exchange's figures NEGATED (signed: a sum over
  both records nets to zero), `load_id` is the reversal id (the card's reversal record, type
  02), `occurred_at` the time the card gave the points back. A claim sums the signed figures.

`hash` is the hex SHA-256 of the
canonical JSON of the record without `hash` and `signature`; `prev_hash` is the previous
record's hash (64 zeros for a terminal's first record); `signature` is base64
Ed25519 over the 32 raw bytes of the hash. Anyone with the terminal's public key can
check a run of records for gaps, edits and deletions (`chain_problems`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported where used: `cryptography` is not needed before the first screen
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS_HASH = "0" * 64
FIELDS = (
    "record_id",
    "seq",
    "terminal_id",
    "exchange_id",
    "occurred_at",
    "mykey_id",
    "event_id",
    "points_used",
    "fee",
    "loaded",
    "card_ref",
    "load_id",
    "prev_hash",
)
UNSIGNED = ("hash", "signature")
KIND_EXCHANGE, KIND_REVERSAL = "exchange", "reversal"
KINDS = (KIND_EXCHANGE, KIND_REVERSAL)


def record_kind(record: dict[str, Any]) -> str:
    """A record's kind: `exchange` when it has no `kind` field."""
    return str(record.get("kind", KIND_EXCHANGE))


def check_kind(kind: str, points_used: int, fee: int, loaded: int) -> None:
    """The signs a kind's figures must have: an exchange positive, a reversal negative."""
    if kind not in KINDS:
        raise ValueError(f"unknown settlement record kind {kind!r}")
    sign = 1 if kind == KIND_EXCHANGE else -1
    if not (sign * points_used > 0 and sign * fee >= 0 and sign * loaded > 0):
        raise ValueError(f"a {kind} record's figures must be {'positive' if sign > 0 else 'negative'}")


_json_string = json.encoder.encode_basestring  # what CANONICAL writes a string as (ensure_ascii=False)
CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # built once: hot path


class RecordProblem(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8. Floats are refused: amounts are integers."""
    _no_floats(value)
    return CANONICAL.encode(value).encode("utf-8")


def _no_floats(value: Any) -> None:
    """Refuse any float, however deep. Settlement records are flat, so the common case is
    one pass over a dict's value types at C speed (records are hashed 1,000 per batch)."""
    if isinstance(value, float):
        raise TypeError("floats have no canonical form here; amounts are integers")
    items: Collection[Any]
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return
    kinds = set(map(type, items))
    if any(issubclass(kind, (float, dict, list, tuple)) for kind in kinds):
        for item in items:
            _no_floats(item)


def canonical_body(record: dict[str, Any]) -> bytes:
    """The bytes `hash` is taken over: the canonical JSON of the record without hash and signature.

    Records are flat (strings and integers), so they are written field by field with the
    json module's own string escaping — the same bytes as `canonical_json`, about a third
    faster, which counts at 1,000 records per batch. Anything else takes the general path."""
    parts = []
    for name in sorted(record):
        if name in UNSIGNED:
            continue
        value = record[name]
        kind = type(value)
        if kind is str:
            parts.append(f"{_json_string(name)}:{_json_string(value)}")
        elif kind is int:
            parts.append(f"{_json_string(name)}:{int.__repr__(value)}")
        else:
            return canonical_json({k: v for k, v in record.items() if k not in UNSIGNED})
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_body(record)).hexdigest()


def seal(fields: dict[str, Any], device_key: bytes | Ed25519PrivateKey) -> dict[str, Any]:
    """Add `hash` and `signature` to a record's fields (`prev_hash` already set)."""
    missing = [name for name in FIELDS if name not in fields]
    if missing:
        raise ValueError(f"settlement record lacks {', '.join(missing)}")
    if isinstance(device_key, bytes):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.from_private_bytes(device_key)
    else:
        key = device_key
    record = {k: v for k, v in fields.items() if k not in UNSIGNED}
    digest = record_hash(record)
    record["hash"] = digest
    record["signature"] = base64.b64encode(key.sign(bytes.fromhex(digest))).decode("ascii")
    return record


def verify_record(record: dict[str, Any], public_key: bytes | Ed25519PublicKey) -> None:
    """Raise RecordProblem(bad_hash | bad_record_signature) unless the record is intact."""
    if not hash_matches(record):
        raise RecordProblem("bad_hash", "the record's hash does not match its contents")
    if not signature_matches(record, public_key):
        raise RecordProblem("bad_record_signature", "the record's signature does not verify with the device key")


def hash_matches(record: dict[str, Any]) -> bool:
    return hashed_body(record) is not None


def hashed_body(record: dict[str, Any]) -> bytes | None:
    """The record's canonical body when its `hash` is right (a caller may reuse the bytes), else None."""
    body = canonical_body(record)
    digest = record.get("hash")
    return body if isinstance(digest, str) and hashlib.sha256(body).hexdigest() == digest else None


class VerifyingKey(Protocol):
    """An Ed25519 public key: `verify` raises cryptography's InvalidSignature on a mismatch."""

    def verify(self, signature: bytes, data: bytes) -> None: ...


def signature_matches(record: dict[str, Any], public_key: bytes | Ed25519PublicKey | VerifyingKey) -> bool:
    """Whether `signature` is the device key's over the record's stated `hash` (checked apart).

    `public_key` is the raw 32 bytes or any key object whose `verify(signature, data)`
    raises cryptography's InvalidSignature (the simulator passes a libsodium one)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(public_key) if isinstance(public_key, bytes) else public_key
    try:
        sig = base64.b64decode(str(record.get("signature", "")), validate=True)
        key.verify(sig, bytes.fromhex(str(record.get("hash"))))
    except (binascii.Error, InvalidSignature, ValueError):
        return False
    return True


def chain_problems(
    records: list[dict[str, Any]],
    public_key: bytes | Ed25519PublicKey,
    prev_hash: str = GENESIS_HASH,
    next_seq: int = 1,
) -> list[tuple[str, str]]:
    """[(record_id, code)] for every record that breaks the chain, in seq order."""
    problems: list[tuple[str, str]] = []
    for record in sorted(records, key=lambda r: r.get("seq", 0)):
        rid = str(record.get("record_id"))
        try:
            verify_record(record, public_key)
        except RecordProblem as exc:
            problems.append((rid, exc.code))
            continue
        if record.get("seq") != next_seq:
            problems.append((rid, "seq_gap"))
        elif record.get("prev_hash") != prev_hash:
            problems.append((rid, "chain_broken"))
        prev_hash, next_seq = record["hash"], int(record["seq"]) + 1
    return problems


def public_key_bytes(device_key: bytes) -> bytes:
    """Raw 32-byte Ed25519 public key for a raw 32-byte private key (to register it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.from_private_bytes(device_key)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
