"""The Breka load procedure's journal port (kiosk.cardio.breka_load.LoadJournal) on the
exchange journal: a load id is an exchange id, the card UID is kept as hex."""

from __future__ import annotations

import uuid

from kiosk.cardio.breka_load import PendingLoad
from kiosk.exchange.journal import Journal
from kiosk.exchange.steps import Step


class ExchangeLoadJournal:
    def __init__(self, journal: Journal):
        self.journal = journal

    def pending_loads(self, card_uid: bytes) -> list[PendingLoad]:
        return [
            PendingLoad(uuid.UUID(row.exchange_id), card_uid, row.figures()[3], row.balance_before or 0)
            for row in self.journal.waiting_for_card(card_uid.hex())
        ]

    def record_intent(self, load_id: uuid.UUID, card_uid: bytes, amount: int, balance_before: int) -> None:
        row = self.journal.get(str(load_id))
        if row.loaded != amount:
            raise ValueError(f"load {load_id}: amount {amount} differs from the journal's {row.loaded}")
        self.journal.advance(str(load_id), Step.LOAD_INTENT, card_uid=card_uid.hex(), balance_before=balance_before)

    def mark_loaded(self, load_id: uuid.UUID, balance_after: int) -> None:
        self.journal.advance(str(load_id), Step.LOADED, balance_after=balance_after)

    def mark_not_happened(self, load_id: uuid.UUID) -> None:
        self.journal.advance(str(load_id), Step.NOT_LOADED)
