"""The audit chain: every clerk and technician action, and the system's own decisions
(recovery outcomes, cancellations), each entry hashing the one before it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.store.db import Store

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _entry_hash(seq: int, at: str, actor: str, action: str, detail: str, prev_hash: str) -> str:
    body = json.dumps([seq, at, actor, action, detail, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    store: Store, actor: str, action: str, detail: dict[str, Any] | None = None, conn: sqlite3.Connection | None = None
) -> AuditEntry:
    """Add an entry; pass `conn` to join a transaction the caller already holds."""
    if conn is None:
        with store.transaction() as tx:
            return append(store, actor, action, detail, tx)
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    digest = _entry_hash(seq, at, actor, action, text, prev)
    conn.execute(
        "INSERT INTO audit(seq, at, actor, action, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
        (seq, at, actor, action, text, prev, digest),
    )
    return AuditEntry(seq, at, actor, action, detail or {}, prev, digest)


def entries(store: Store, since_seq: int = 0, action: str | None = None) -> list[AuditEntry]:
    """The chain after `since_seq`, or only its entries of one `action`."""
    sql = "SELECT * FROM audit WHERE seq > ?"
    args: tuple[object, ...] = (since_seq,)
    if action is not None:  # by the action index (migration 4), not a walk of the whole chain
        sql, args = "SELECT * FROM audit INDEXED BY audit_by_action WHERE action = ? AND seq > ?", (action, since_seq)
    return [
        AuditEntry(r["seq"], r["at"], r["actor"], r["action"], json.loads(r["detail"]), r["prev_hash"], r["hash"])
        for r in store.query(sql + " ORDER BY seq", args)
    ]


def verify(store: Store) -> int | None:
    """The seq of the first entry that breaks the chain, or None when it is whole."""
    prev, expected_seq = GENESIS, 1
    for r in store.query("SELECT * FROM audit ORDER BY seq"):
        digest = _entry_hash(r["seq"], r["at"], r["actor"], r["action"], r["detail"], r["prev_hash"])
        if r["seq"] != expected_seq or r["prev_hash"] != prev or r["hash"] != digest:
            broken: int = r["seq"]
            return broken
        prev, expected_seq = r["hash"], expected_seq + 1
    return None
