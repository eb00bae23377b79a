"""Test doubles for the Breka load: an in-memory journal and an in-process card link.

The journal double stands in for the SQLite journal (kiosk/store, a later issue); the
direct link is for unit tests of the protocol only — acceptance tests go through pcscd.
"""

from __future__ import annotations

import uuid

from kiosk.cardio.breka_load import PendingLoad
from tests.direct_link import DirectConnection  # noqa: F401 (re-exported for the tests)


class MemoryJournal:
    """LoadJournal in a dict: load_id -> (PendingLoad, state, balance_after)."""

    def __init__(self) -> None:
        self.entries: dict[uuid.UUID, list] = {}
        self.events: list[tuple[str, uuid.UUID]] = []

    def pending_loads(self, card_uid: bytes) -> list[PendingLoad]:
        return [p for p, state, _ in self.entries.values() if state == "pending" and p.card_uid == card_uid]

    def record_intent(self, load_id, card_uid, amount, balance_before, log_anchor=None) -> None:
        current = self.entries.get(load_id)
        assert current is None or current[1] == "not-happened", f"intent for {load_id} while {current[1]}"
        self.entries[load_id] = [PendingLoad(load_id, card_uid, amount, balance_before, log_anchor), "pending", None]
        self.events.append(("intent", load_id))

    def mark_loaded(self, load_id, balance_after) -> None:
        entry = self.entries[load_id]
        assert entry[1] == "pending"
        entry[1], entry[2] = "loaded", balance_after
        self.events.append(("loaded", load_id))

    def mark_not_happened(self, load_id) -> None:
        entry = self.entries[load_id]
        assert entry[1] == "pending"
        entry[1] = "not-happened"
        self.events.append(("not-happened", load_id))

    def state(self, load_id) -> str | None:
        entry = self.entries.get(load_id)
        return entry[1] if entry else None


def issue_card(tmp_path, balance: int = 0, name: str = "card.json"):
    """A freshly issued virtual Breka card (demo masters) persisted under tmp_path."""
    from kiosk_demo.breka_card import BrekaCard
    from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
    from kiosk_demo.breka_state import issue_breka_card

    path = tmp_path / name
    issue_breka_card(path, DEMO_MASTER_KEYS, balance)
    return BrekaCard.open(path)
