"""The two ends of an exchange in the cloud: commit (with its settlement record) or cancel.

Shared by the live flow and by recovery, so both finish an exchange the same way. Each
writes its "requested" step before the call and its final step after the answer; the
cloud calls are idempotent under the exchange id, so a repeat after a crash is safe.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kiosk.exchange.journal import ExchangeRow, Journal
from kiosk.exchange.ports import Cloud, Keys
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.sync import cloud_errors
from kiosk.sync.outbox import Outbox

log = logging.getLogger(__name__)


class CardNeeded(ValueError):
    """The exchange waits for its Breka card: only that card's load log can settle it."""

    def __init__(self, exchange_id: str):
        self.exchange_id = exchange_id
        super().__init__(
            f"exchange {exchange_id} waits for its Breka card: put that card on the reader "
            "(its log decides), or mark it lost"
        )


def required(value: str, what: str) -> str:
    """The stripped text; a blank reason or clerk is refused (corrections and settlements too)."""
    value = (value or "").strip()
    if not value:
        raise ValueError(f"a {what} is required")
    return value


class Finisher:
    def __init__(self, journal: Journal, outbox: Outbox, cloud: Cloud, keys: Keys) -> None:
        self.journal, self.outbox, self.cloud, self.keys = journal, outbox, cloud, keys
        # The background commit and the follow-up may reach the same exchange at once: one at a
        # time, each on the journal's state of the moment, so the second finds it committed.
        self._commit_lock = threading.Lock()

    def commit(self, row: ExchangeRow) -> dict[str, Any]:
        """Commit a loaded exchange in the cloud; returns its settlement record."""
        with self._commit_lock:
            return self._commit(self.journal.get(row.exchange_id))

    def _commit(self, row: ExchangeRow) -> dict[str, Any]:
        if row.state is Step.COMMITTED:
            record = self.outbox.record_for(row.exchange_id)
            assert record is not None, "a committed exchange always has its record"
            return record
        if row.state not in (Step.LOADED, Step.COMMIT_REQUESTED):
            raise ValueError(f"exchange {row.exchange_id} is {row.state.value}, not loaded")
        mykey_id, points, fee, loaded = row.figures()
        if row.balance_after is None or (row.card_ref is None and row.card_uid is None):
            raise ValueError(f"exchange {row.exchange_id} is {row.state.value} without its card or balance")
        card_ref = row.card_ref or self.keys.card_ref(row.card_uid or "")
        if row.state is Step.LOADED:
            self.journal.advance(row.exchange_id, Step.COMMIT_REQUESTED, card_ref=card_ref)
        self.cloud.commit(
            row.exchange_id,
            card_ref=card_ref,
            load_id=row.exchange_id,
            loaded=loaded,
            fee=fee,
            balance_after=row.balance_after,
        )
        device_key = self.keys.device_key()
        loaded_at = self._loaded_at(row.exchange_id)
        with self.journal.store.transaction() as tx:
            record = self.outbox.append(
                tx,
                device_key=device_key,
                exchange_id=row.exchange_id,
                mykey_id=mykey_id,
                event_id=row.event_id,
                points_used=points,
                fee=fee,
                loaded=loaded,
                card_ref=card_ref,
                load_id=row.exchange_id,
                occurred_at=loaded_at,
            )
            self.journal.advance(row.exchange_id, Step.COMMITTED, conn=tx)
        return record

    def cancel(self, row: ExchangeRow, reason: str) -> None:
        """Release the hold (if any) and end the exchange as cancelled."""
        if row.state is Step.CANCELLED:
            return
        if row.state in (Step.LOAD_INTENT, Step.LOADED, Step.COMMIT_REQUESTED, Step.COMMITTED):
            raise ValueError(f"exchange {row.exchange_id} is {row.state.value}: a load may have happened")
        if row.state is not Step.CREATED:  # CREATED: nothing was ever sent for this id
            if row.state is not Step.CANCEL_REQUESTED:
                self.journal.advance(row.exchange_id, Step.CANCEL_REQUESTED, cancel_reason=reason)
            try:
                self.cloud.cancel(row.exchange_id, reason)
            except cloud_errors.ERRORS["exchange_not_found"]:
                pass  # the hold never reached the cloud
        self.journal.advance(row.exchange_id, Step.CANCELLED, cancel_reason=reason)

    def cancel_by_clerk(self, exchange_id: str, reason: str, clerk: str) -> None:
        """A clerk ends an unfinished exchange that no card can have been loaded for: audited,
        reason required. One that waits for its card is settled only by that card's log
        (kiosk.exchange.recovery.settle_with_card), never by a clerk's word."""
        reason, clerk = required(reason, "reason"), required(clerk, "clerk")
        row = self.journal.get(exchange_id)
        if row.state is Step.LOAD_INTENT:
            raise CardNeeded(exchange_id)
        audit.append(
            self.journal.store,
            "clerk",
            "cancel_unfinished",
            {"exchange_id": exchange_id, "state": row.state.value, "reason": reason, "clerk": clerk},
        )
        self.cancel(row, reason)

    def mark_card_lost(self, exchange_id: str, reason: str, clerk: str) -> None:
        """The citizen says the card is lost: noted and audited; the exchange stays open (the hold
        stays taken) until the card appears, because only its log can say whether it was loaded."""
        reason, clerk = required(reason, "reason"), required(clerk, "clerk")
        row = self.journal.get(exchange_id)
        if row.state is not Step.LOAD_INTENT:
            raise ValueError(f"exchange {exchange_id} is {row.state.value}, not waiting for its card")
        audit.append(
            self.journal.store, "clerk", "card_lost", {"exchange_id": exchange_id, "reason": reason, "clerk": clerk}
        )
        self.journal.note_error(exchange_id, "card_lost")

    def _loaded_at(self, exchange_id: str) -> str:
        rows = self.journal.store.query(
            "SELECT at FROM journal WHERE exchange_id = ? AND step = ? ORDER BY id DESC LIMIT 1",
            (exchange_id, Step.LOADED.value),
        )
        return rows[0]["at"] if rows else self.journal.get(exchange_id).updated_at
