"""Fill a kiosk database with N past exchanges spread over ten years (`kiosk bench --aged`).

Direct SQL in executemany batches, not the kiosk's own code path (that would take hours):
per exchange its row, its journal steps, and for a committed one its sealed settlement
record (real hash chain and Ed25519 signature, uploaded except the last hour's); about one
exchange in fifty ends cancelled; an audit entry (hash-chained) every tenth exchange; and
the office's monthly books where the schema has them (a claim per month in the register,
the visit counters), skipped quietly where it has not.
"""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store import Store, marker
from kiosk.store.audit import GENESIS, _entry_hash
from kiosk.sync.settlement_record import GENESIS_HASH, record_hash

YEARS = 10
BATCH = 5_000
JST_OFFSET = timedelta(hours=9)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def fill(db: Path, n: int, terminal_id: str, device_key: bytes, event_id: str, *, seed: int = 17) -> dict:
    Store(db).close()  # the schema, by the kiosk's own migrations
    rnd = random.Random(seed)
    key = Ed25519PrivateKey.from_private_bytes(device_key)
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(days=365 * YEARS)
    step = (end - start) / n
    holders = [f"mk-{i:06d}" for i in range(max(1, n // 10))]
    cards = [uuid.UUID(int=rnd.getrandbits(128)).hex * 2 for _ in range(max(1, n // 10))]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")  # a fill, not the kiosk: WAL is set back at the end
    conn.execute("PRAGMA synchronous=OFF")
    months: dict[str, list[int]] = {}  # JST month -> [exchanges, points, fee, loaded, cancelled]
    seq, prev, audit_seq, audit_prev = 0, GENESIS_HASH, 0, GENESIS
    conn.execute("BEGIN")
    rows: dict[str, list] = {"x": [], "j": [], "o": [], "a": []}
    for i in range(n):
        at = start + step * i
        xid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        mykey, card = rnd.choice(holders), rnd.choice(cards)
        points = rnd.randrange(100, 5_001, 100)
        fee = points // 11
        loaded = points - fee
        before = rnd.randrange(0, 20_000)
        times = [_iso(at + timedelta(milliseconds=40 * k)) for k in range(7)]
        figures = json.dumps({"fee": fee, "loaded": loaded, "mykey_id": mykey, "points": points}, sort_keys=True)
        steps = [("created", "{}"), ("hold_requested", figures), ("held", "{}")]
        if i % 50 == 49:  # cancelled at the counter: nothing loaded, no record
            steps += [("cancel_requested", '{"cancel_reason": "holder cancelled"}'), ("cancelled", "{}")]
            state, ref, after = "cancelled", None, None
        else:
            after = before + loaded
            steps += [
                ("load_intent", json.dumps({"balance_before": before, "card_ref": card}, sort_keys=True)),
                ("loaded", json.dumps({"balance_after": after}, sort_keys=True)),
                ("commit_requested", json.dumps({"card_ref": card}, sort_keys=True)),
                ("committed", "{}"),
            ]
            state, ref = "committed", card
            seq += 1
            record = {
                "record_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                "seq": seq,
                "terminal_id": terminal_id,
                "exchange_id": xid,
                "occurred_at": at.isoformat(timespec="seconds"),
                "mykey_id": mykey,
                "event_id": event_id,
                "points_used": points,
                "fee": fee,
                "loaded": loaded,
                "card_ref": card,
                "load_id": xid,
                "prev_hash": prev,
            }
            record["hash"] = prev = record_hash(record)
            record["signature"] = base64.b64encode(key.sign(bytes.fromhex(prev))).decode("ascii")
            sent = at < end - timedelta(hours=1)  # the last hour's records wait for the uploader
            rows["o"].append(
                (
                    seq,
                    record["record_id"],
                    xid,
                    json.dumps(record, ensure_ascii=False, sort_keys=True),
                    prev,
                    times[-1],
                    _iso(at + timedelta(minutes=5)) if sent else None,
                    "accepted" if sent else None,
                    1 if sent else 0,
                    record["occurred_at"],
                )
            )
        rows["x"].append(
            (xid, state, times[0], times[len(steps) - 1], event_id, mykey, points, fee, loaded, ref, before, after)
        )
        rows["j"] += [(xid, times[k], s, d) for k, (s, d) in enumerate(steps)]
        if i % 10 == 0:  # clerk approvals, recoveries, backups: the audit chain grows too
            audit_seq += 1
            detail = json.dumps({"clerk": "clerk", "points": points}, separators=(",", ":"), sort_keys=True)
            audit_prev_new = _entry_hash(audit_seq, times[0], "clerk", "approve_amount", detail, audit_prev)
            rows["a"].append((audit_seq, times[0], "clerk", "approve_amount", detail, audit_prev, audit_prev_new))
            audit_prev = audit_prev_new
        month = months.setdefault((at + JST_OFFSET).strftime("%Y-%m"), [0, 0, 0, 0, 0])
        if state == "committed":
            month[0], month[1], month[2], month[3] = month[0] + 1, month[1] + points, month[2] + fee, month[3] + loaded
        else:
            month[4] += 1
        if len(rows["x"]) >= BATCH or i == n - 1:
            _flush(conn, rows)
    books = _books(conn, months)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    if seq:
        marker.update(db, seq=seq, hash=prev)
    return {"aged_exchanges": n, "aged_records": seq, "aged_claim_rows": books}


def _flush(conn: sqlite3.Connection, rows: dict[str, list]) -> None:
    conn.executemany(
        "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id, mykey_id, points, fee, "
        "loaded, card_ref, balance_before, balance_after) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows["x"],
    )
    conn.executemany("INSERT INTO journal(exchange_id, at, step, detail) VALUES (?,?,?,?)", rows["j"])
    conn.executemany(
        "INSERT INTO outbox(seq, record_id, exchange_id, record, hash, created_at, sent_at, outcome, attempts, "
        "occurred_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows["o"],
    )
    conn.executemany(
        "INSERT INTO audit(seq, at, actor, action, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?)", rows["a"]
    )
    for batch in rows.values():
        batch.clear()


def _books(conn: sqlite3.Connection, months: dict[str, list[int]]) -> int:
    """The office's monthly books where the schema has them: one claim per month (the
    register) and the visit counters. A schema without them is left as it is."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    rows = 0
    if "claims" in tables:
        try:
            conn.executemany(
                "INSERT OR IGNORE INTO claims(number, first_month, last_month, amount, fee, loaded, reconciled, "
                "issued_at, sent_on, paid_on) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (f"BENCH-{m[:4]}-{i:04d}", m, m, a, f, lo, 1, f"{m}-28T09:00:00+09:00", f"{m}-28", f"{m}-28")
                    for i, (m, (_, a, f, lo, _c)) in enumerate(sorted(months.items()), start=1)
                ],
            )
            rows += len(months)
        except sqlite3.Error:  # a register of another shape: left empty
            pass
    if "visits" in tables:
        try:
            conn.executemany(
                "INSERT OR IGNORE INTO visits(month, outcome, count) VALUES (?,?,?)",
                [(m, "completed", v[0]) for m, v in months.items()]
                + [(m, "cancelled_by_citizen", v[4]) for m, v in months.items()],
            )
        except sqlite3.Error:
            pass
    return rows
