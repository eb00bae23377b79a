"""The tear-proof reversal of a load on a Breka card (a correction, docs/breka-card.md).

A reversal takes a committed load's points back: debit, a log record of type 02 (reversal)
under the reversal's own id with the delta negated, commit — one card transaction, so the
points and the record go together or not at all. As for a load, the outcome is never a guess:

* `reverse()` returns the new balance — it happened, exactly once (a record already on the card
  under that id means an earlier, unheard commit: it is not done twice);
* it raises `ReversalOutcomeUnknown` — the commit may or may not have been applied: present the
  same card again, then `settle()` tells from the log — but, as for a load, absence proves "not
  debited" only while the log still reaches back to the anchor journalled before the write
  (`before_write` gets it); otherwise `settle()` raises `ReversalOutcomeUnprovable`;
* `PointsSpent` — the card holds fewer points than the load gave (spent at a shop): nothing
  was written;
* any other exception — nothing happened (a card error status discards the transaction).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from kiosk.cardio.breka import LOG_USABLE_RECORDS, TYPE_REVERSAL, BrekaSession, LoadRecord
from kiosk.cardio.breka_load import log_anchor, log_reaches_back
from kiosk.cardio.desfire_status import DesfireError
from kiosk.cardio.errors import CardError


class ReversalOutcomeUnknown(CardError):
    """The card may or may not have applied the reversal: present the same card again."""

    def __init__(self, reversal_id: uuid.UUID):
        self.reversal_id = reversal_id
        super().__init__(f"outcome of reversal {reversal_id} unknown; the same card must be presented again")


class ReversalOutcomeUnprovable(CardError):
    """A reversal of unknown outcome is not in the card's log, but the log (10 records) no longer
    reaches back to its anchor: the card cannot say whether it was debited, so the debit is
    neither repeated nor given up."""

    def __init__(self, reversal_id: uuid.UUID):
        self.reversal_id = reversal_id
        super().__init__(f"reversal {reversal_id}: the card's log no longer reaches back to it; a person must decide")


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


def settle(records: list[LoadRecord], reversal_id: uuid.UUID, anchor: uuid.UUID | None) -> LoadRecord | None:
    """Decide an interrupted reversal from the card's log: its record if the card committed it;
    None if it did not (absent, and the log still reaches back to `anchor`, the newest record
    before the write); ReversalOutcomeUnprovable if absence proves nothing."""
    found = on_card(records, reversal_id)
    if found is not None:
        return found
    if log_reaches_back(records, anchor):
        return None
    raise ReversalOutcomeUnprovable(reversal_id)


def reverse(
    card: BrekaSession,
    reversal_id: uuid.UUID,
    amount: int,
    *,
    before_write: Callable[[int, uuid.UUID | None], None],
    terminal_no: int = 0,
    clock: Callable[[], float] = time.time,
) -> int:
    """Take `amount` points back once under `reversal_id`; returns the new balance. Calls
    `before_write(balance_before, log_anchor)` (the caller journals its intent and the anchor
    durably, for `settle`) before the first write command."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"reversal amount must be a positive integer, got {amount!r}")
    records = card.load_records()
    done = on_card(records[:LOG_USABLE_RECORDS], reversal_id)
    if done is not None:
        return done.balance_after
    balance_before = card.balance()
    if balance_before < amount:
        raise PointsSpent(balance_before, amount)
    before_write(balance_before, log_anchor(records))
    balance_after = balance_before - amount
    record = LoadRecord(reversal_id, -amount, balance_after, terminal_no, int(clock()), TYPE_REVERSAL)
    try:
        card.debit(amount)
        card.write_load_record(record)
    except DesfireError:
        card.abort_quietly()
        raise
    except Exception as exc:
        raise ReversalOutcomeUnknown(reversal_id) from exc
    try:
        card.commit()
    except Exception as exc:  # only the log can tell
        raise ReversalOutcomeUnknown(reversal_id) from exc
    return balance_after
