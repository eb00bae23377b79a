"""The Breka load procedure's journal port (kiosk.cardio.breka_load.LoadJournal) on the
exchange journal: a load id is an exchange id. The card is known to the journal only by its
keyed hash (`card_ref`, the same reference the settlement records carry): the raw UID, an
identifier of the citizen's card, is never stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from kiosk.cardio.breka_load import PendingLoad
from kiosk.exchange.journal import Journal
from kiosk.exchange.steps import Step


class ExchangeLoadJournal:
    def __init__(self, journal: Journal, card_ref: Callable[[str], str]) -> None:
        self.journal, self.card_ref = journal, card_ref  # card_ref: UID hex -> keyed hash

    def pending_loads(self, card_uid: bytes) -> list[PendingLoad]:
        return [
            PendingLoad(
                uuid.UUID(row.exchange_id),
                card_uid,
                row.figures()[3],
                row.balance_before or 0,
                uuid.UUID(row.log_anchor) if row.log_anchor else None,
            )
            for row in self.journal.waiting_for_card(self.card_ref(card_uid.hex()), card_uid.hex())
        ]

    def record_intent(
        self, load_id: uuid.UUID, card_uid: bytes, amount: int, balance_before: int, log_anchor: uuid.UUID | None
    ) -> None:
        row = self.journal.get(str(load_id))
        if row.loaded != amount:
            raise ValueError(f"load {load_id}: amount {amount} differs from the journal's {row.loaded}")
        card_ref = self.card_ref(card_uid.hex())
        anchor = str(log_anchor) if log_anchor else ""  # "": the log was empty (NULL: not known)
        self.journal.advance(
            str(load_id), Step.LOAD_INTENT, card_ref=card_ref, balance_before=balance_before, log_anchor=anchor
        )

    def mark_loaded(self, load_id: uuid.UUID, balance_after: int) -> None:
        self.journal.advance(str(load_id), Step.LOADED, balance_after=balance_after)

    def mark_not_happened(self, load_id: uuid.UUID) -> None:
        self.journal.advance(str(load_id), Step.NOT_LOADED)
