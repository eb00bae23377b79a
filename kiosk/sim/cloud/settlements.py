"""Settlement batches: each record checked for hash, signature, gaps and the chain.

A record is accepted once, ever; the same record again is a duplicate, not an error.
Records are taken in seq order; the first one that breaks the chain stops the chain
from advancing, so every later record of the batch is refused as a gap too.

Each record's own hash and signature are checked first (`record_checks`: the
signatures on a thread per core) while this thread looks up the batch's known records
and exchanges (one query each, not one per record); then one pass in seq order applies
the chain and the database rules.
"""
from __future__ import annotations

import json
import sqlite3

from kiosk.sim.cloud import clock, record_checks
from kiosk.sim.cloud.auth import Terminal
from kiosk.sim.cloud.db import to_us
from kiosk.sim.cloud.errors import ApiError
from kiosk.sync.cloud_errors import Code


def _in_list(conn: sqlite3.Connection, sql: str, values: list[str], *params) -> dict[str, sqlite3.Row]:
    """Rows keyed by their first column, for `... IN (SELECT value FROM json_each(?))`."""
    return {row[0]: row for row in conn.execute(sql, (*params, json.dumps(values)))}


def receive(conn: sqlite3.Connection, terminal: Terminal, terminal_id: str, records: list[dict]) -> tuple[int, dict]:
    if terminal_id != terminal.terminal_id:
        raise ApiError(Code.TERMINAL_MISMATCH, "batch terminal_id is not the calling terminal")
    term = conn.execute("SELECT device_public_key, last_seq, last_hash FROM terminals WHERE terminal_id = ?",
                        (terminal.terminal_id,)).fetchone()
    ordered = sorted(records, key=lambda r: r["seq"])
    intact = record_checks.start(ordered, bytes(term["device_public_key"]))
    exchanges = _in_list(  # `+terminal_id`: look up by primary key, not by scanning the terminal's exchanges
        conn, "SELECT exchange_id, state, mykey_id, event_id, points, json_extract(breka, '$.fee') AS fee, "
              "json_extract(breka, '$.loaded') AS loaded, json_extract(breka, '$.card_ref') AS card_ref, "
              "json_extract(breka, '$.load_id') AS load_id FROM exchanges "
              "WHERE +terminal_id = ? AND exchange_id IN (SELECT value FROM json_each(?))",
        [r["exchange_id"] for r in ordered], terminal.terminal_id)
    checks = intact()
    # Only a record at or below the chain's head can have been stored already (a resend);
    # a stored id coming back with a new seq is caught by the primary key, and then the
    # batch is taken again looking every id up.
    conn.execute("SAVEPOINT batch")
    try:
        answer = _apply(conn, terminal, term, ordered, checks, exchanges, look_up_all=False)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO batch")
        answer = _apply(conn, terminal, term, ordered, checks, exchanges, look_up_all=True)
    conn.execute("RELEASE batch")
    return 200, answer


def _apply(conn: sqlite3.Connection, terminal: Terminal, term: sqlite3.Row, ordered: list[dict],
           checks: list[record_checks.Checked], exchanges: dict[str, sqlite3.Row], look_up_all: bool) -> dict:
    last_seq, last_hash = term["last_seq"], term["last_hash"]
    ids = [r["record_id"] for r in ordered if look_up_all or r["seq"] <= last_seq]
    known = {rid: row["hash"] for rid, row in _in_list(
        conn, "SELECT record_id, hash FROM settlement_records WHERE record_id IN (SELECT value FROM json_each(?))",
        ids).items()} if ids else {}
    accepted: list[str] = []
    duplicates: list[str] = []
    rejected: list[dict] = []
    rows: list[tuple] = []
    now_us = to_us(clock.real_now())
    for record, (problem, stored) in zip(ordered, checks):
        rid = record["record_id"]
        if rid in known:
            if known[rid] == record["hash"] and problem != "bad_hash":
                duplicates.append(rid)
            else:
                rejected.append({"record_id": rid, "code": "record_conflict"})
            continue
        code = _problem(terminal, record, problem, exchanges.get(record["exchange_id"]), last_seq, last_hash)
        if code:
            rejected.append({"record_id": rid, "code": code})
            continue
        rows.append((rid, terminal.terminal_id, record["seq"], record["hash"], stored, now_us))
        known[rid] = record["hash"]
        last_seq, last_hash = record["seq"], record["hash"]
        accepted.append(rid)
    conn.executemany("INSERT INTO settlement_records (record_id, terminal_id, seq, hash, record, received_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.execute("UPDATE terminals SET last_seq = ?, last_hash = ? WHERE terminal_id = ?",
                 (last_seq, last_hash, terminal.terminal_id))
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


def _problem(terminal: Terminal, record: dict, intact_problem: str | None, exchange: sqlite3.Row | None,
             last_seq: int, last_hash: str) -> str | None:
    if record["terminal_id"] != terminal.terminal_id:
        return "terminal_mismatch"
    if intact_problem:
        return intact_problem
    if record["seq"] <= last_seq:
        return "seq_reused"
    if record["seq"] != last_seq + 1:
        return "seq_gap"
    if record["prev_hash"] != last_hash:
        return "chain_broken"
    if not _matches_exchange(exchange, record):
        return "exchange_mismatch"
    return None


def _matches_exchange(row: sqlite3.Row | None, record: dict) -> bool:
    if row is None or row["state"] != "committed":
        return False
    return (row["mykey_id"], row["event_id"], row["points"], row["fee"], row["loaded"], row["card_ref"],
            row["load_id"]) == (record["mykey_id"], record["event_id"], record["points_used"], record["fee"],
                                record["loaded"], record["card_ref"], record["load_id"])
