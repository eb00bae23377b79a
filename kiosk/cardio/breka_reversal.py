"""The tear-proof reversal of a load on a Breka card (a correction, docs/breka-card.md).

A reversal takes a committed load's points back: debit, a log record of type 02 (reversal)
under the reversal's own id with the delta negated, commit — one card transaction, so the
points and the record go together or not at all. As for a load, the outcome is never a guess:

* `reverse()` returns the new balance — it happened, exactly once (a record already on the card
  under that id means an earlier, unheard commit: it is not done twice);
* it raises `ReversalOutcomeUnknown` — the commit may or may not have been applied: present the
  same card again, then `on_card()` tells from the log;
* `PointsSpent` — the card holds fewer points than the load gave (spent at a shop): nothing
  was written;
* any other exception — nothing happened (a card error status discards the transaction).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from kiosk.cardio.breka import LOG_USABLE_RECORDS, TYPE_REVERSAL, BrekaSession, LoadRecord
from kiosk.cardio.desfire_status import DesfireError
from kiosk.cardio.errors import CardError


class ReversalOutcomeUnknown(CardError):
    """The card may or may not have applied the reversal: present the same card again."""

    def __init__(self, reversal_id: uuid.UUID):
        self.reversal_id = reversal_id
        super().__init__(f"outcome of reversal {reversal_id} unknown; the same card must be presented again")


class PointsSpent(CardError):
    """The card no longer holds the points the load gave: they cannot be taken back."""

    def __init__(self, balance: int, amount: int):
        self.balance, self.amount = balance, amount
        super().__init__(f"the card holds {balance} points, fewer than the {amount} to take back")


def on_card(records: list[LoadRecord], reversal_id: uuid.UUID) -> LoadRecord | None:
    """The reversal's record in the card's log, if the card committed it."""
    for r in records:
        if r.load_id == reversal_id and r.type == TYPE_REVERSAL:
            return r
    return None


def reverse(
    card: BrekaSession,
    reversal_id: uuid.UUID,
    amount: int,
    *,
    before_write: Callable[[int], None],
    terminal_no: int = 0,
    clock: Callable[[], float] = time.time,
) -> int:
    """Take `amount` points back once under `reversal_id`; returns the new balance. Calls
    `before_write(balance_before)` (the caller journals its intent durably) before the first
    write command."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"reversal amount must be a positive integer, got {amount!r}")
    records = card.load_records()
    done = on_card(records[:LOG_USABLE_RECORDS], reversal_id)
    if done is not None:
        return done.balance_after
    balance_before = card.balance()
    if balance_before < amount:
        raise PointsSpent(balance_before, amount)
    before_write(balance_before)
    balance_after = balance_before - amount
    record = LoadRecord(reversal_id, -amount, balance_after, terminal_no, int(clock()), TYPE_REVERSAL)
    try:
        card.debit(amount)
        card.write_load_record(record)
    except DesfireError:
        _abort_quietly(card)
        raise
    except Exception as exc:
        raise ReversalOutcomeUnknown(reversal_id) from exc
    try:
        card.commit()
    except Exception as exc:  # only the log can tell
        raise ReversalOutcomeUnknown(reversal_id) from exc
    return balance_after


def _abort_quietly(card: BrekaSession) -> None:
    try:
        card.abort()
    except CardError:
        pass
