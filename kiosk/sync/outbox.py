"""The settlement outbox: one signed, hash-chained record per committed exchange.

Records are appended inside the caller's transaction (the one that marks the exchange
committed), so a committed exchange without its record — or a record without its
exchange — cannot exist. Nothing is deleted: an acknowledged record only gets its
outcome set, so `verify` can always re-check the whole chain.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.store import Store
from kiosk.sync.settlement_record import GENESIS_HASH, RecordProblem, seal, verify_record


@dataclass(frozen=True)
class OutboxStatus:
    total: int
    unsent: int
    accepted: int
    duplicates: int
    rejected: int
    oldest_unsent_at: str | None
    last_seq: int


@dataclass(frozen=True)
class Unsent:
    """A record waiting for upload, as stored: its JSON text is sent without re-encoding."""

    record_id: str
    seq: int
    json: str


@dataclass(frozen=True)
class ChainFault:
    seq: int
    record_id: str
    code: str  # bad_hash | bad_record_signature | seq_gap | chain_broken | seq_mismatch
    message: str


class Outbox:
    def __init__(self, store: Store, terminal_id: str):
        self.store, self.terminal_id = store, terminal_id

    def append(
        self,
        conn,
        *,
        device_key: bytes,
        exchange_id: str,
        mykey_id: str,
        event_id: str,
        points_used: int,
        fee: int,
        loaded: int,
        card_ref: str,
        load_id: str,
        occurred_at: str | None = None,
    ) -> dict[str, Any]:
        """Seal and store the next record; `conn` is the caller's open transaction."""
        last = conn.execute("SELECT seq, hash FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS_HASH)
        record = seal(
            {
                "record_id": str(uuid.uuid4()),
                "seq": seq,
                "terminal_id": self.terminal_id,
                "exchange_id": exchange_id,
                "occurred_at": occurred_at or datetime.now(UTC).isoformat(timespec="seconds"),
                "mykey_id": mykey_id,
                "event_id": event_id,
                "points_used": points_used,
                "fee": fee,
                "loaded": loaded,
                "card_ref": card_ref,
                "load_id": load_id,
                "prev_hash": prev,
            },
            device_key,
        )
        conn.execute(
            "INSERT INTO outbox(seq, record_id, exchange_id, record, hash, created_at) VALUES (?,?,?,?,?,?)",
            (
                seq,
                record["record_id"],
                exchange_id,
                json.dumps(record, ensure_ascii=False, sort_keys=True),
                record["hash"],
                datetime.now(UTC).isoformat(timespec="milliseconds"),
            ),
        )
        return record

    def unsent(self, limit: int = 1000) -> list[dict[str, Any]]:
        return [json.loads(u.json) for u in self.unsent_json(limit)]

    def unsent_json(self, limit: int = 1000, after_seq: int = 0) -> list[Unsent]:
        rows = self.store.query(
            "SELECT record_id, seq, record FROM outbox WHERE outcome IS NULL AND seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        return [Unsent(r["record_id"], r["seq"], r["record"]) for r in rows]

    def record_for(self, exchange_id: str) -> dict[str, Any] | None:
        rows = self.store.query("SELECT record FROM outbox WHERE exchange_id = ?", (exchange_id,))
        return json.loads(rows[0]["record"]) if rows else None

    def mark(self, accepted: list[str], duplicates: list[str], rejected: list[tuple[str, str]]) -> None:
        """Store the cloud's answer. Rejected records stay (with the code) for the clerk to see."""
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.store.transaction() as tx:
            for outcome, ids in (("accepted", accepted), ("duplicate", duplicates)):
                if ids:  # one statement per outcome: a 1,000-record batch is marked in one pass
                    tx.execute(
                        "UPDATE outbox SET outcome = ?, sent_at = ? "
                        "WHERE record_id IN (SELECT value FROM json_each(?))",
                        (outcome, at, json.dumps(ids)),
                    )
            tx.executemany(
                "UPDATE outbox SET outcome = ?, sent_at = ? WHERE record_id = ?",
                [(f"rejected:{code}", at, rid) for rid, code in rejected],
            )

    def status(self) -> OutboxStatus:
        r = self.store.query(
            "SELECT COUNT(*) AS total, "
            "SUM(outcome IS NULL) AS unsent, SUM(outcome = 'accepted') AS accepted, "
            "SUM(outcome = 'duplicate') AS duplicates, SUM(outcome LIKE 'rejected:%') AS rejected, "
            "MIN(CASE WHEN outcome IS NULL THEN created_at END) AS oldest, MAX(seq) AS last_seq FROM outbox"
        )[0]
        return OutboxStatus(
            r["total"],
            r["unsent"] or 0,
            r["accepted"] or 0,
            r["duplicates"] or 0,
            r["rejected"] or 0,
            r["oldest"],
            r["last_seq"] or 0,
        )

    def verify(self, public_key: bytes) -> list[ChainFault]:
        """Check every stored record: hash, signature, gapless seq and the hash chain.

        Rows are read in storage order of `seq`; a record whose own seq differs from its
        row (a re-ordering), a missing seq (a deletion), an edited field (hash) or a
        re-sealed record without the device key (signature) are each named.
        """
        faults: list[ChainFault] = []
        prev, expected = GENESIS_HASH, 1
        for row in self.store.query("SELECT seq, record, hash FROM outbox ORDER BY seq"):
            record = json.loads(row["record"])
            rid = str(record.get("record_id"))
            try:
                verify_record(record, public_key)
            except RecordProblem as exc:
                faults.append(ChainFault(row["seq"], rid, exc.code, str(exc)))
            else:
                if record.get("seq") != row["seq"] or record["hash"] != row["hash"]:
                    faults.append(
                        ChainFault(
                            row["seq"], rid, "seq_mismatch", f"row {row['seq']} holds record seq {record.get('seq')}"
                        )
                    )
                elif row["seq"] != expected:
                    faults.append(ChainFault(row["seq"], rid, "seq_gap", f"seq {expected} to {row['seq'] - 1} missing"))
                elif record.get("prev_hash") != prev:
                    faults.append(
                        ChainFault(row["seq"], rid, "chain_broken", "prev_hash does not match the previous record")
                    )
            prev, expected = record.get("hash", ""), row["seq"] + 1
        return faults
