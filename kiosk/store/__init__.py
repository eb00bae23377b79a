"""SQLite persistence: the journal, the outbox and the audit chain in one file."""

from kiosk.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
