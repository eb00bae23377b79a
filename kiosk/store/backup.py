"""Backups of the kiosk database with SQLite's online backup API, and restoring one.

A backup is taken at the first start of each (local) day and on demand (`kiosk outbox
backup`), into `backups/` beside the database, keeping the newest KEEP. Restoring moves
the current file aside (never deletes it), copies the backup in and makes the backup's
chain head the marker's, so the restored database is not mistaken for a cut one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.store import marker
from kiosk.store.db import Store, StoreError

KEEP = 14
PREFIX = "kiosk-"


def folder_for(db_path: Path) -> Path:
    return db_path.parent / "backups"


def _copy(source: sqlite3.Connection, target: Path) -> None:
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()


def backup(store: Store, keep: int = KEEP, now: datetime | None = None) -> Path:
    """Copy the live database (consistent, while it is in use) and prune old copies."""
    folder = folder_for(store.path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{PREFIX}{stamp}.sqlite3"
    n = 1
    while target.exists():  # two backups in one second
        target, n = folder / f"{PREFIX}{stamp}-{n}.sqlite3", n + 1
    with store._lock:
        _copy(store.conn, target)
    for old in backups(store.path)[keep:]:
        old.unlink(missing_ok=True)
    return target


INTEGRITY_KEY = "integrity_check"  # settings: the last full integrity check {"at", "verdict", "of"}


def check_copy(store: Store, copy: Path, now: datetime | None = None) -> str:
    """The full integrity check, on a fresh backup (the same pages, read without holding the
    live file): its verdict is noted in the live database for `kiosk doctor`, which then
    need not read every page of a years-old file itself. Run off the counter's thread."""
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        verdict: str = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    finally:
        conn.close()
    note_integrity(store, verdict, copy.name, now)
    return verdict


def note_integrity(store: Store, verdict: str, of: str, now: datetime | None = None) -> None:
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with store.transaction() as tx:
        tx.execute(
            "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
            (INTEGRITY_KEY, json.dumps({"at": at, "verdict": verdict[:500], "of": of})),
        )


def last_integrity(store: Store) -> dict[str, Any] | None:
    rows = store.query("SELECT value FROM settings WHERE key = ?", (INTEGRITY_KEY,))
    try:
        found = json.loads(rows[0]["value"]) if rows else None
    except ValueError:
        return None
    return found if isinstance(found, dict) and {"at", "verdict"} <= found.keys() else None


def backups(db_path: Path) -> list[Path]:
    """The backups beside `db_path`, newest first."""
    return sorted(folder_for(db_path).glob(f"{PREFIX}*.sqlite3"), reverse=True)


def daily(store: Store, keep: int = KEEP, now: datetime | None = None) -> Path | None:
    """A backup unless one was taken today already (the first start of a new day)."""
    today = f"{PREFIX}{(now or datetime.now()).strftime('%Y%m%d')}-"
    if any(p.name.startswith(today) for p in backups(store.path)):
        return None
    return backup(store, keep, now)


def restore(source: Path, db_path: Path, now: datetime | None = None) -> tuple[int, Path | None]:
    """Put `source` in place of `db_path` (the kiosk must be stopped). Returns the restored
    chain head seq and where the replaced file was moved (None when there was none)."""
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{source}: バックアップを読めません / not a usable backup ({exc})") from exc
    if verdict != "ok":
        conn.close()
        raise StoreError(f"{source}: バックアップが壊れています / the backup fails its integrity check: {verdict}")
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    moved = None
    if db_path.exists():
        moved = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
        os.replace(db_path, moved)
    for suffix in ("-wal", "-shm"):
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            os.replace(side, side.with_name(f"{moved.name if moved else db_path.name}{suffix}"))
    try:
        _copy(conn, db_path)
    finally:
        conn.close()
    marker.remove(db_path)  # the restored file is the new baseline
    with Store(db_path) as store:
        from kiosk.store import audit

        audit.append(store, "technician", "restore_backup", {"backup": source.name})
        return store.outbox_head()[0], moved
