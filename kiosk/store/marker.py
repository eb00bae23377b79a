"""A small file beside the database that remembers a database existed, and its chain head.

The database cannot vouch for itself: a 0-byte or deleted `kiosk.sqlite3` would open as
a fresh, empty one, and the settlement chain would restart at seq 1. This file, kept
outside the database, says one existed and how far its outbox had got (`seq`, `hash`,
written after every commit that appends a record) and how far the cloud has
acknowledged it (`cloud_seq`). A missing database while the marker exists is an alarm;
a database whose last record is below the marker's is a cut tail.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_MODE = 0o600


def path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".marker")


def read(db_path: Path) -> dict[str, Any] | None:
    """The marker's contents; None when there is none. An unreadable marker is still a marker."""
    p = path_for(db_path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def update(db_path: Path, **fields: Any) -> None:
    """Merge `fields` into the marker, atomically (write a sibling, then rename over)."""
    current = read(db_path) or {"created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    current.update(fields)
    p = path_for(db_path)
    tmp = p.with_name(p.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(current, f, sort_keys=True)
    os.replace(tmp, p)


def remove(db_path: Path) -> None:
    path_for(db_path).unlink(missing_ok=True)


def tail_problem(db_path: Path, head: tuple[int, str]) -> str | None:
    """Why the database's chain head (seq, hash) is behind or beside the marker's, or None."""
    known = read(db_path)
    if not known or "seq" not in known:
        return None
    seq, digest = head
    if seq < int(known["seq"]):
        return (
            f"記録が {known['seq']} 件目までありましたが {seq} 件目で終わっています / the outbox ended at seq "
            f"{known['seq']}, the database's ends at {seq}: records were cut off"
        )
    if seq == int(known["seq"]) and seq and known.get("hash") != digest:
        return f"seq {seq} の記録が別物です / the record at seq {seq} is not the one written: another chain"
    return None
