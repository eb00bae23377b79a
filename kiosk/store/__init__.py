"""SQLite persistence: the journal, the outbox and the audit chain in one file."""

from kiosk.store import marker
from kiosk.store.db import DatabaseLost, Store, StoreError, expect_database

__all__ = ["DatabaseLost", "Store", "StoreError", "expect_database", "marker"]
