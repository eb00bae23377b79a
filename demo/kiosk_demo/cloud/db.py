"""The simulator's SQLite store: schema, one connection per worker thread, transactions.

Writers use BEGIN IMMEDIATE so two terminals racing for the same points are serialised
by SQLite itself; WAL lets readers run alongside. Times are stored as integer
microseconds since the epoch (UTC), so SQL compares them exactly.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, issue_from INTEGER NOT NULL, issue_until INTEGER NOT NULL,
    exchange_until INTEGER);
CREATE TABLE IF NOT EXISTS terminals (
    terminal_id TEXT PRIMARY KEY, secret BLOB NOT NULL, device_public_key BLOB NOT NULL,
    events TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE IF NOT EXISTS seen_signatures (
    signature TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, seen_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS seen_signatures_at ON seen_signatures (seen_at);
CREATE TABLE IF NOT EXISTS holders (
    mykey_id TEXT PRIMARY KEY, cert_sha256 TEXT NOT NULL UNIQUE, enrolled_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS revocations (
    issuer TEXT NOT NULL, serial TEXT NOT NULL, PRIMARY KEY (issuer, serial));
CREATE TABLE IF NOT EXISTS challenges (
    challenge_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, nonce BLOB NOT NULL,
    expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS enrolment_proofs (
    challenge_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, cert_sha256 TEXT NOT NULL,
    expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS waiting_reserved (
    waiting_id TEXT PRIMARY KEY, cert_sha256 TEXT NOT NULL, points INTEGER NOT NULL CHECK (points > 0),
    received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS holder_tokens (
    token_sha256 TEXT PRIMARY KEY, mykey_id TEXT NOT NULL, terminal_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lots (
    lot_id TEXT PRIMARY KEY, mykey_id TEXT NOT NULL REFERENCES holders, event_id TEXT NOT NULL,
    points_issued INTEGER NOT NULL CHECK (points_issued > 0),
    remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points_issued),
    issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lots_holder ON lots (mykey_id, event_id);
CREATE TABLE IF NOT EXISTS reserved (
    reserved_id TEXT PRIMARY KEY, mykey_id TEXT NOT NULL REFERENCES holders,
    points INTEGER NOT NULL CHECK (points > 0), remaining INTEGER NOT NULL CHECK (remaining >= 0),
    received_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS exchanges (
    exchange_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, mykey_id TEXT NOT NULL,
    event_id TEXT NOT NULL, points INTEGER NOT NULL CHECK (points > 0),
    state TEXT NOT NULL CHECK (state IN ('held', 'committed', 'cancelled')),
    created_at INTEGER NOT NULL, finished_at INTEGER, breka TEXT, cancel_reason TEXT);
CREATE INDEX IF NOT EXISTS exchanges_state ON exchanges (terminal_id, state, created_at);
CREATE TABLE IF NOT EXISTS holds (
    exchange_id TEXT NOT NULL REFERENCES exchanges, lot_id TEXT NOT NULL REFERENCES lots,
    points INTEGER NOT NULL CHECK (points > 0), PRIMARY KEY (exchange_id, lot_id));
CREATE TABLE IF NOT EXISTS idempotency (
    terminal_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (terminal_id, key, method, path));
CREATE TABLE IF NOT EXISTS reversals (
    reversal_id TEXT PRIMARY KEY, exchange_id TEXT NOT NULL UNIQUE REFERENCES exchanges,
    terminal_id TEXT NOT NULL, breka TEXT NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settlement_records (
    record_id TEXT PRIMARY KEY, terminal_id TEXT NOT NULL, seq INTEGER NOT NULL,
    hash TEXT NOT NULL, record TEXT NOT NULL, received_at INTEGER NOT NULL,
    refused TEXT,
    UNIQUE (terminal_id, seq));
"""


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    from datetime import timedelta

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        conn = self._conn()
        conn.executescript(SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(settlement_records)")}
        if "refused" not in columns:  # a simulator database from before parked records
            conn.execute("ALTER TABLE settlement_records ADD COLUMN refused TEXT")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL survives a process crash (not a power cut): enough for a simulator.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One serialised read-write transaction (BEGIN IMMEDIATE), committed on success."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")
