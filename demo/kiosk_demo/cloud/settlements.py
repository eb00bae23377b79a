"""Settlement batches: each record checked for hash, signature, gaps and the chain.

A record is accepted once, ever; the same record again is a duplicate, not an error.
Records are taken in seq order; the first one that breaks the chain stops the chain
from advancing, so every later record of the batch is refused as a gap too.

A record that is intact and in sequence but whose contents the cloud disputes
(`exchange_mismatch`) is parked: stored as refused, and the chain head moves past it.
Its seq stays consumed, so one disputed exchange never blocks the terminal's later
records; the city settles the parked one by hand. Sent again, it gets the same refusal.
Every answer carries the terminal's chain head, so the kiosk can compare it with its own.

Each record's own hash is recomputed and its signature checked (`record_checks`: the
signatures on a thread per core, while this thread looks up the batch's exchanges and
stored records — one query each, not one per record); then one pass in seq order applies
the chain and the database rules.
"""

from __future__ import annotations

import json
import sqlite3

from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import clock, record_checks
from kiosk_demo.cloud.auth import Terminal
from kiosk_demo.cloud.db import to_us
from kiosk_demo.cloud.errors import ApiError

PARKED = ("exchange_mismatch",)  # refusals that consume the seq: the record itself is sound


def _in_list(conn: sqlite3.Connection, sql: str, values: list[str], *params) -> dict[str, sqlite3.Row]:
    """Rows keyed by their first column, for `... IN (SELECT value FROM json_each(?))`."""
    return {row[0]: row for row in conn.execute(sql, (*params, json.dumps(values)))}


def receive(conn: sqlite3.Connection, terminal: Terminal, terminal_id: str, records: list[dict]) -> tuple[int, dict]:
    if terminal_id != terminal.terminal_id:
        raise ApiError(Code.TERMINAL_MISMATCH, "batch terminal_id is not the calling terminal")
    term = conn.execute(
        "SELECT device_public_key, last_seq, last_hash FROM terminals WHERE terminal_id = ?", (terminal.terminal_id,)
    ).fetchone()
    ordered = sorted(records, key=lambda r: r["seq"])
    intact = record_checks.start(ordered, bytes(term["device_public_key"]))
    exchanges = _in_list(  # `+terminal_id`: look up by primary key, not by scanning the terminal's exchanges
        conn,
        "SELECT exchange_id, state, mykey_id, event_id, points, json_extract(breka, '$.fee') AS fee, "
        "json_extract(breka, '$.loaded') AS loaded, json_extract(breka, '$.card_ref') AS card_ref, "
        "json_extract(breka, '$.load_id') AS load_id, "
        "(SELECT reversal_id FROM reversals r WHERE r.exchange_id = exchanges.exchange_id) AS reversal_id "
        "FROM exchanges WHERE +terminal_id = ? AND exchange_id IN (SELECT value FROM json_each(?))",
        [r["exchange_id"] for r in ordered],
        terminal.terminal_id,
    )
    checks = intact()
    # Only a record at or below the chain's head can have been stored already (a resend),
    # so only those ids are looked up first. If a record above the head is refused, or its
    # id turns out to be stored (the primary key says so), the batch is taken again with
    # every id looked up, so the answer is exactly what a full look-up gives.
    conn.execute("SAVEPOINT batch")
    answer = _apply(conn, terminal, term, ordered, checks, exchanges, look_up_all=False)
    if answer is None:
        conn.execute("ROLLBACK TO batch")
        answer = _apply(conn, terminal, term, ordered, checks, exchanges, look_up_all=True)
        if answer is None:
            raise RuntimeError("a batch taken with every id looked up always has an answer")
    conn.execute("RELEASE batch")
    return 200, answer


def _apply(
    conn: sqlite3.Connection,
    terminal: Terminal,
    term: sqlite3.Row,
    ordered: list[dict],
    checks: list[record_checks.Checked],
    exchanges: dict[str, sqlite3.Row],
    look_up_all: bool,
) -> dict | None:
    """The batch's answer, its records stored; None when a partial look-up cannot be sure."""
    head = last_seq = term["last_seq"]
    last_hash = term["last_hash"]
    ids = [r["record_id"] for r in ordered if look_up_all or r["seq"] <= head]
    known = (
        {
            rid: (row["hash"], row["refused"])
            for rid, row in _in_list(
                conn,
                "SELECT record_id, hash, refused FROM settlement_records "
                "WHERE record_id IN (SELECT value FROM json_each(?))",
                ids,
            ).items()
        }
        if ids
        else {}
    )
    accepted: list[str] = []
    duplicates: list[str] = []
    rejected: list[dict] = []
    rows: list[tuple] = []
    now_us = to_us(clock.real_now())
    for record, (problem, stored) in zip(ordered, checks):
        rid = record["record_id"]
        if rid in known:
            known_hash, refused = known[rid]
            if known_hash != record["hash"] or problem == "bad_hash":
                rejected.append({"record_id": rid, "code": "record_conflict"})
            elif refused:
                rejected.append({"record_id": rid, "code": refused})  # parked before: the same answer
            else:
                duplicates.append(rid)
            continue
        code = _problem(terminal, record, problem, exchanges.get(record["exchange_id"]), last_seq, last_hash)
        if code:
            if not look_up_all and record["seq"] > head:
                return None  # it might be a stored id (record_conflict) rather than `code`
            rejected.append({"record_id": rid, "code": code})
            if code not in PARKED:
                continue
        rows.append((rid, terminal.terminal_id, record["seq"], record["hash"], stored, now_us, code))
        known[rid] = (record["hash"], code)
        last_seq, last_hash = record["seq"], record["hash"]
        if not code:
            accepted.append(rid)
    try:
        conn.executemany(
            "INSERT INTO settlement_records (record_id, terminal_id, seq, hash, record, received_at, refused) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    except sqlite3.IntegrityError:
        if look_up_all:
            raise
        return None  # a stored id came back above the head
    conn.execute(
        "UPDATE terminals SET last_seq = ?, last_hash = ? WHERE terminal_id = ?",
        (last_seq, last_hash, terminal.terminal_id),
    )
    return {
        "accepted": accepted,
        "duplicates": duplicates,
        "rejected": rejected,
        "head": {"seq": last_seq, "hash": last_hash},
    }


def _problem(
    terminal: Terminal,
    record: dict,
    intact_problem: str | None,
    exchange: sqlite3.Row | None,
    last_seq: int,
    last_hash: str,
) -> str | None:
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
    """An exchange's record matches its committed exchange; a reversal's (`kind`), the
    exchange's reversal: the same figures negated, under the reversal id."""
    if row is None or row["state"] != "committed":
        return False
    sign, load_id = 1, row["load_id"]
    if record.get("kind") == "reversal":
        if row["reversal_id"] is None:
            return False
        sign, load_id = -1, row["reversal_id"]
    return (
        row["mykey_id"],
        row["event_id"],
        sign * row["points"],
        sign * row["fee"],
        sign * row["loaded"],
        row["card_ref"],
        load_id,
    ) == (
        record["mykey_id"],
        record["event_id"],
        record["points_used"],
        record["fee"],
        record["loaded"],
        record["card_ref"],
        record["load_id"],
    )
