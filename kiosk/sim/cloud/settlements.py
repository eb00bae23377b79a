"""Settlement batches: each record checked for hash, signature, gaps and the chain.

A record is accepted once, ever; the same record again is a duplicate, not an error.
Records are taken in seq order; the first one that breaks the chain stops the chain
from advancing, so every later record of the batch is refused as a gap too.
"""
from __future__ import annotations

import json
import sqlite3

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.sim.cloud import clock
from kiosk.sim.cloud.auth import Terminal
from kiosk.sim.cloud.db import to_us
from kiosk.sim.cloud.errors import ApiError
from kiosk.sync.cloud_errors import Code
from kiosk.sync.settlement_record import RecordProblem, record_hash, verify_record


def _matches_exchange(conn: sqlite3.Connection, terminal: Terminal, record: dict) -> bool:
    row = conn.execute("SELECT * FROM exchanges WHERE exchange_id = ? AND terminal_id = ?",
                       (record["exchange_id"], terminal.terminal_id)).fetchone()
    if row is None or row["state"] != "committed":
        return False
    breka = json.loads(row["breka"])
    return (row["mykey_id"], row["event_id"], row["points"], breka["fee"], breka["loaded"], breka["card_ref"],
            breka["load_id"]) == (record["mykey_id"], record["event_id"], record["points_used"], record["fee"],
                                  record["loaded"], record["card_ref"], record["load_id"])


def receive(conn: sqlite3.Connection, terminal: Terminal, terminal_id: str, records: list[dict]) -> tuple[int, dict]:
    if terminal_id != terminal.terminal_id:
        raise ApiError(Code.TERMINAL_MISMATCH, "batch terminal_id is not the calling terminal")
    term = conn.execute("SELECT device_public_key, last_seq, last_hash FROM terminals WHERE terminal_id = ?",
                        (terminal.terminal_id,)).fetchone()
    last_seq, last_hash = term["last_seq"], term["last_hash"]
    public_key = Ed25519PublicKey.from_public_bytes(term["device_public_key"])  # once per batch, not per record
    accepted: list[str] = []
    duplicates: list[str] = []
    rejected: list[dict] = []
    now_us = to_us(clock.real_now())
    for record in sorted(records, key=lambda r: r["seq"]):
        rid = record["record_id"]
        known = conn.execute("SELECT hash FROM settlement_records WHERE record_id = ?", (rid,)).fetchone()
        if known is not None:
            if known["hash"] == record["hash"] and record_hash(record) == record["hash"]:
                duplicates.append(rid)
            else:
                rejected.append({"record_id": rid, "code": "record_conflict"})
            continue
        code = _problem(conn, terminal, record, public_key, last_seq, last_hash)
        if code:
            rejected.append({"record_id": rid, "code": code})
            continue
        conn.execute("INSERT INTO settlement_records (record_id, terminal_id, seq, hash, record, received_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (rid, terminal.terminal_id, record["seq"], record["hash"],
                                                   json.dumps(record, sort_keys=True), now_us))
        last_seq, last_hash = record["seq"], record["hash"]
        accepted.append(rid)
    conn.execute("UPDATE terminals SET last_seq = ?, last_hash = ? WHERE terminal_id = ?",
                 (last_seq, last_hash, terminal.terminal_id))
    return 200, {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


def _problem(conn: sqlite3.Connection, terminal: Terminal, record: dict, public_key: Ed25519PublicKey,
             last_seq: int, last_hash: str) -> str | None:
    if record["terminal_id"] != terminal.terminal_id:
        return "terminal_mismatch"
    try:
        verify_record(record, public_key)
    except RecordProblem as exc:
        return exc.code
    if record["seq"] <= last_seq:
        return "seq_reused"
    if record["seq"] != last_seq + 1:
        return "seq_gap"
    if record["prev_hash"] != last_hash:
        return "chain_broken"
    if not _matches_exchange(conn, terminal, record):
        return "exchange_mismatch"
    return None
