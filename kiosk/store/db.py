"""The kiosk's one SQLite file: journal, outbox and audit chain, with schema migrations.

WAL + synchronous=FULL: a commit that returned is on disk, so the journal entry that
protects an action really precedes it. One Store object per process owns the file; it is
used from one thread at a time (the exchange engine's), a lock guards the rare others.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.store import marker
from kiosk.store.migrations import MIGRATIONS


class StoreError(RuntimeError):
    pass


class DatabaseLost(StoreError):
    """The marker says a database existed here, but it is missing or empty."""


def expect_database(path: Path) -> None:
    """Raise DatabaseLost when `path` is missing or empty although a database existed there."""
    if marker.read(path) is not None and (not path.exists() or path.stat().st_size == 0):
        raise DatabaseLost(
            f"{path}: データベースが消えています。新しく作らず停止します / the kiosk database is missing or "
            f"empty although one existed ({marker.path_for(path).name}); not starting afresh: "
            "restore the latest backup (docs/technician-guide.md)"
        )


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        expect_database(self.path)
        fresh = not self.path.exists()
        if fresh:  # created 0600 before SQLite opens it; SQLite gives its WAL/SHM the same mode
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            if marker.read(self.path) is None:  # the first open: what is here now is the baseline
                seq, digest = self.outbox_head()
                acked = self.conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE outcome IN ('accepted', 'duplicate')"
                ).fetchone()[0]
                marker.update(self.path, seq=seq, hash=digest, cloud_seq=acked)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: the kiosk database cannot be opened ({exc}); "
                "keep the file for the technician and see `kiosk doctor`"
            ) from exc
        self._lock = threading.RLock()

    @property
    def schema_version(self) -> int:
        version: int = self.conn.execute("PRAGMA user_version").fetchone()[0]
        return version

    def _migrate(self) -> None:
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this kiosk "
                f"({len(MIGRATIONS)}); install the newer kiosk or restore a backup"
            )
        for version, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for sql in statements:
                    self.conn.execute(sql)
                self.conn.execute(f"PRAGMA user_version={version}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One durable transaction (BEGIN IMMEDIATE … COMMIT, fsynced by synchronous=FULL).

        Callables added to `after_commit` inside it run once the commit is on disk."""
        with self._lock:
            self.after_commit: list[Callable[[], object]] = []
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                    self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:  # a failed COMMIT leaves it open: the next BEGIN would fail
                        self.conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:  # disk full, I/O error, read-only, locked
                raise StoreError(
                    f"{self.path}: 書き込めませんでした（変更は保存されていません） / nothing was written ({exc}); "
                    "the journal holds the last step that was: free disk space, then `kiosk exchanges recover`"
                ) from exc
            for callback in self.after_commit:
                callback()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def outbox_head(self) -> tuple[int, str]:
        """The last settlement record's (seq, hash); (0, "") when there is none."""
        row = self.conn.execute("SELECT seq, hash FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
        return (row["seq"], row["hash"]) if row else (0, "")

    def integrity_check(self) -> str:
        result: str = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        return result

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
