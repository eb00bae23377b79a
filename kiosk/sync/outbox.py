"""The settlement outbox: one signed, hash-chained record per committed exchange.

Records are appended inside the caller's transaction (the one that marks the exchange
committed), so a committed exchange without its record — or a record without its
exchange — cannot exist. Nothing is deleted: an acknowledged record only gets its
outcome set, so `verify` can always re-check the whole chain.

A record the cloud refuses is parked (outcome `rejected:<code>`) and the next ones still
go (docs/cloud-api.md, parked records). A chain refusal or a failed send counts an
attempt; a chain refusal parks the record after MAX_ATTEMPTS. The head of the chain and
the cloud's acknowledged head are also kept in the marker file beside the database
(kiosk.store.marker), so a cut tail or a forged outcome shows in `verify`.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.store import Store, marker
from kiosk.sync.settlement_record import (
    GENESIS_HASH,
    KIND_EXCHANGE,
    KIND_REVERSAL,
    RecordProblem,
    check_kind,
    seal,
    verify_record,
)

MAX_ATTEMPTS = 3  # chain refusals of one record before it is parked
ALARM_KEY = "outbox.alarm"  # settings: why uploading stopped (the cloud's head disagrees)


@dataclass(frozen=True)
class OutboxStatus:
    total: int
    unsent: int
    accepted: int
    duplicates: int
    rejected: int
    oldest_unsent_at: str | None
    last_seq: int
    retrying: int = 0  # unsent records with failed attempts
    max_attempts: int = 0
    last_error: str | None = None
    alarm: str | None = None

    @property
    def parked(self) -> int:
        """Records the cloud refused: kept, not re-sent, for the city to settle by hand."""
        return self.rejected


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
    # bad_hash | bad_record_signature | seq_gap | chain_broken | seq_mismatch | bad_json
    # | cut_tail | forged_outcome | missing_record | exchange_mismatch
    code: str
    message: str


class Outbox:
    def __init__(self, store: Store, terminal_id: str):
        self.store, self.terminal_id = store, terminal_id

    def append(
        self,
        conn: sqlite3.Connection,
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
        kind: str = KIND_EXCHANGE,
    ) -> dict[str, Any]:
        """Seal and store the next record; `conn` is the caller's open transaction. A reversal
        (`kind="reversal"`) carries the reversed exchange's id and its figures negated
        (kiosk.sync.settlement_record)."""
        check_kind(kind, points_used, fee, loaded)
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
            }
            | ({"kind": kind} if kind != KIND_EXCHANGE else {}),
            device_key,
        )
        conn.execute(
            "INSERT INTO outbox(seq, record_id, exchange_id, kind, record, hash, created_at, occurred_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                seq,
                record["record_id"],
                exchange_id,
                kind,
                json.dumps(record, ensure_ascii=False, sort_keys=True),
                record["hash"],
                datetime.now(UTC).isoformat(timespec="milliseconds"),
                record["occurred_at"],
            ),
        )
        pending = getattr(self.store, "after_commit", None)
        if pending is not None:  # the marker follows the head once the record is on disk
            pending.append(lambda: marker.update(self.store.path, seq=seq, hash=record["hash"]))
        return record

    def unsent(self, limit: int = 1000) -> list[dict[str, Any]]:
        return [json.loads(u.json) for u in self.unsent_json(limit)]

    def unsent_json(self, limit: int = 1000, after_seq: int = 0) -> list[Unsent]:
        rows = self.store.query(
            # INDEXED BY: else SQLite walks the whole table by seq looking for the few unsent
            # rows (a years-old outbox: every page of the file, at every upload pass).
            "SELECT record_id, seq, record FROM outbox INDEXED BY outbox_unsent "
            "WHERE outcome IS NULL AND seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        )
        return [Unsent(r["record_id"], r["seq"], r["record"]) for r in rows]

    def reversal_record_for(self, exchange_id: str) -> dict[str, Any] | None:
        """The record of the reversal of that exchange, if it was reversed."""
        rows = self.store.query(
            "SELECT record FROM outbox WHERE exchange_id = ? AND kind = ?", (exchange_id, KIND_REVERSAL)
        )
        return json.loads(rows[0]["record"]) if rows else None

    def record_for(self, exchange_id: str) -> dict[str, Any] | None:
        rows = self.store.query(
            "SELECT record FROM outbox WHERE exchange_id = ? AND kind = ?", (exchange_id, KIND_EXCHANGE)
        )
        return json.loads(rows[0]["record"]) if rows else None

    def mark(
        self,
        accepted: list[str],
        duplicates: list[str],
        rejected: list[tuple[str, str]],
        retry: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> None:
        """Store the cloud's answer. Rejected records are parked (with the code) for the clerk
        to see; `retry` records (a chain refusal) count an attempt and park at MAX_ATTEMPTS."""
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.store.transaction() as tx:
            tx.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, sent_at = ?, "
                "outcome = CASE WHEN attempts + 1 >= ? THEN 'rejected:' || ? END WHERE record_id = ?",
                [(code, at, MAX_ATTEMPTS, code, rid) for rid, code in retry],
            )
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
            top = tx.execute(
                "SELECT MAX(seq) FROM outbox WHERE record_id IN (SELECT value FROM json_each(?))",
                (json.dumps([*accepted, *duplicates]),),
            ).fetchone()[0]
        if top:  # outside the database: an outcome written by hand shows in `verify`
            known = int((marker.read(self.store.path) or {}).get("cloud_seq", 0))
            marker.update(self.store.path, cloud_seq=max(known, top))

    def note_failure(self, record_ids: list[str], error: str) -> None:
        """A send of these records got no usable answer: count the attempt (never parks)."""
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                "WHERE outcome IS NULL AND record_id IN (SELECT value FROM json_each(?))",
                (error[:200], json.dumps(record_ids)),
            )

    def status(self) -> OutboxStatus:
        r = self.store.query(
            "SELECT COUNT(*) AS total, "
            "SUM(outcome IS NULL) AS unsent, SUM(outcome = 'accepted') AS accepted, "
            "SUM(outcome = 'duplicate') AS duplicates, SUM(outcome LIKE 'rejected:%') AS rejected, "
            "MIN(CASE WHEN outcome IS NULL THEN created_at END) AS oldest, MAX(seq) AS last_seq, "
            "SUM(outcome IS NULL AND attempts > 0) AS retrying, "
            "MAX(CASE WHEN outcome IS NULL THEN attempts END) AS max_attempts FROM outbox"
        )[0]
        last = self.store.query(
            "SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY sent_at DESC, seq DESC LIMIT 1"
        )
        return OutboxStatus(
            r["total"],
            r["unsent"] or 0,
            r["accepted"] or 0,
            r["duplicates"] or 0,
            r["rejected"] or 0,
            r["oldest"],
            r["last_seq"] or 0,
            r["retrying"] or 0,
            r["max_attempts"] or 0,
            last[0]["last_error"] if last else None,
            self.alarm(),
        )

    def parked(self) -> list[tuple[int, str, str]]:
        """(seq, record_id, code) of every parked record."""
        return [
            (r["seq"], r["record_id"], r["outcome"].split(":", 1)[1])
            for r in self.store.query(
                "SELECT seq, record_id, outcome FROM outbox WHERE outcome LIKE 'rejected:%' ORDER BY seq"
            )
        ]

    # -- the cloud's chain head ----------------------------------------------------------
    def alarm(self) -> str | None:
        rows = self.store.query("SELECT value FROM settings WHERE key = ?", (ALARM_KEY,))
        return rows[0]["value"] if rows else None

    def check_cloud_head(self, head: Any) -> str | None:
        """Compare the cloud's chain head with this kiosk's records; the problem, or None.

        A head beyond the last record here means records were lost here; another hash at
        that seq means another chain; a record marked accepted above the head means an
        outcome the cloud never gave. A problem is kept as the outbox alarm."""
        if not isinstance(head, dict) or not isinstance(head.get("seq"), int) or not isinstance(head.get("hash"), str):
            return None  # a cloud that does not report its head
        seq, digest = head["seq"], head["hash"]
        problem = None
        row = self.store.query("SELECT hash FROM outbox WHERE seq = ?", (seq,)) if seq else []
        acked = self.store.query("SELECT MAX(seq) AS s FROM outbox WHERE outcome IN ('accepted', 'duplicate')")
        if seq and not row:
            problem = f"the cloud's chain head is seq {seq}, this kiosk has no record {seq}: records were lost here"
        elif seq and row[0]["hash"] != digest:
            problem = f"the cloud's record {seq} is not this kiosk's: another chain"
        elif (acked[0]["s"] or 0) > seq:
            problem = f"seq {acked[0]['s']} is marked accepted but the cloud's chain ends at {seq}"
        with self.store.transaction() as tx:
            if problem:
                tx.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (ALARM_KEY, problem),
                )
            else:
                tx.execute("DELETE FROM settings WHERE key = ?", (ALARM_KEY,))
        if not problem:
            marker.update(self.store.path, cloud_seq=seq)
        return problem

    def verify(self, public_key: bytes) -> list[ChainFault]:
        """Check every stored record: hash, signature, gapless seq and the hash chain; then
        the chain against the marker (a cut tail, an outcome the cloud never gave) and
        against the exchanges (a committed exchange without its record, or other amounts).

        Rows are read in storage order of `seq`; a record whose own seq differs from its
        row (a re-ordering), a missing seq (a deletion), an edited field (hash) or a
        re-sealed record without the device key (signature) are each named.
        """
        faults: list[ChainFault] = []
        prev, expected = GENESIS_HASH, 1
        records: dict[str, dict[str, Any]] = {}
        for row in self.store.query("SELECT seq, record, hash FROM outbox ORDER BY seq"):
            try:
                record = json.loads(row["record"])
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                faults.append(ChainFault(row["seq"], "?", "bad_json", f"the stored record is not a record ({exc})"))
                prev, expected = row["hash"], row["seq"] + 1
                continue
            rid = str(record.get("record_id"))
            if record.get("kind", KIND_EXCHANGE) == KIND_EXCHANGE:  # a reversal nets it; checked apart
                records[str(record.get("exchange_id"))] = record
            try:
                verify_record(record, public_key)
            except (RecordProblem, TypeError) as exc:
                faults.append(ChainFault(row["seq"], rid, getattr(exc, "code", "bad_hash"), str(exc)))
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
        return faults + self._against_marker() + self._against_exchanges(records)

    def _against_marker(self) -> list[ChainFault]:
        faults = []
        head = self.store.outbox_head()
        cut = marker.tail_problem(self.store.path, head)
        if cut:
            faults.append(ChainFault(head[0] + 1, "-", "cut_tail", cut))
        cloud_seq = int((marker.read(self.store.path) or {}).get("cloud_seq", -1))
        if cloud_seq >= 0:
            for r in self.store.query(
                "SELECT seq, record_id FROM outbox WHERE outcome IN ('accepted', 'duplicate') AND seq > ? ORDER BY seq",
                (cloud_seq,),
            ):
                faults.append(
                    ChainFault(
                        r["seq"],
                        r["record_id"],
                        "forged_outcome",
                        f"marked accepted, but the cloud has acknowledged only up to seq {cloud_seq}",
                    )
                )
        return faults

    def _against_exchanges(self, records: dict[str, dict[str, Any]]) -> list[ChainFault]:
        faults = []
        for x in self.store.query(
            "SELECT exchange_id, points, fee, loaded FROM exchanges WHERE state = 'committed' ORDER BY created_at"
        ):
            record = records.get(x["exchange_id"])
            if record is None:
                faults.append(
                    ChainFault(0, "-", "missing_record", f"committed exchange {x['exchange_id']} has no record")
                )
            elif any(
                x[column] is not None and record.get(field) != x[column]
                for field, column in (("points_used", "points"), ("fee", "fee"), ("loaded", "loaded"))
            ):
                faults.append(
                    ChainFault(
                        int(record.get("seq") or 0),
                        str(record.get("record_id")),
                        "exchange_mismatch",
                        f"the record's amounts differ from exchange {x['exchange_id']}",
                    )
                )
        return faults
