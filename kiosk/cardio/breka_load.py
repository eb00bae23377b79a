"""The tear-proof, idempotent load of Breka points (docs/breka-card.md, "The load").

`load()` is what the exchange calls with an authenticated session: it settles this
card's leftovers from the card's own log, journals the intent, credits, writes the
load record and commits. Its outcome is one of three, and never a guess:

* it returns the new balance — the load happened, exactly once;
* it raises `LoadOutcomeUnknown` — the commit may or may not have been applied (lost
  reply, bad CMAC, card gone after the first write command): ask for the same card,
  then `resolve()` (or `load()` again with the same load_id) settles it from the log;
* it raises `LoadOutcomeUnprovable` — that earlier unknown load is not in the log, but the
  log no longer reaches back to it (other terminals' loads pushed it out): nobody can
  tell from the card, so nothing is written and a person must decide;
* it raises any other exception — the load did not happen (a card error status, such
  as BoundaryError, has been journalled as "not happened"; an error before the first
  write command left no intent at all).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.cardio.breka import KEY_LOAD, LOG_USABLE_RECORDS, TYPE_LOAD, BrekaSession, LoadRecord
from kiosk.cardio.connection import Connection
from kiosk.cardio.desfire_status import DesfireError
from kiosk.cardio.errors import CardError


@dataclass(frozen=True)
class PendingLoad:
    load_id: uuid.UUID
    card_uid: bytes
    amount: int
    balance_before: int
    # The newest load on the card's log when the intent was journaled (None: the log was
    # empty, or not known): proof that the log, read later, still reaches back this far.
    log_anchor: uuid.UUID | None = None


class LoadJournal(Protocol):
    """The part of the journal a load needs (the SQLite journal implements it).

    `record_intent` must be durable when it returns (with `log_anchor`, see PendingLoad); it
    may be called again for a load_id marked not happened (the same exchange retried on the
    same card).
    """

    def pending_loads(self, card_uid: bytes) -> list[PendingLoad]: ...

    def record_intent(
        self, load_id: uuid.UUID, card_uid: bytes, amount: int, balance_before: int, log_anchor: uuid.UUID | None
    ) -> None: ...

    def mark_loaded(self, load_id: uuid.UUID, balance_after: int) -> None: ...

    def mark_not_happened(self, load_id: uuid.UUID) -> None: ...


@dataclass(frozen=True)
class Settlement:
    load_id: uuid.UUID
    happened: bool | None  # None: the log no longer reaches back to the load (unprovable)
    balance_after: int | None  # from the card's record when it happened


class LoadOutcomeUnknown(CardError):
    """The card may or may not have applied the load: present the same card again."""

    def __init__(self, load_id: uuid.UUID, card_uid: bytes):
        self.load_id, self.card_uid = load_id, card_uid
        super().__init__(f"outcome of load {load_id} unknown; the same card must be presented again")


class LoadOutcomeUnprovable(CardError):
    """A load of unknown outcome is not in the card's log, but the log (10 loads) no longer
    reaches back to it: the card cannot say, so the load is neither repeated nor released."""

    def __init__(self, load_id: uuid.UUID):
        self.load_id = load_id
        super().__init__(f"load {load_id}: the card's log no longer reaches back to it; a person must decide")


def open_for_load(connection: Connection, load_master: bytes) -> BrekaSession:
    """UID, select and authentication with K1. The master key is handed in by the caller
    (the exchange's Keys port reads the keyring): protocol code never reaches for secrets."""
    session = BrekaSession(connection)
    session.authenticate_with_master(KEY_LOAD, load_master)
    return session


def settle(card_uid: bytes, records: list[LoadRecord], journal: LoadJournal) -> list[Settlement]:
    """Decide every unfinished load of this card from its log: in it means it happened; not in
    it means it did not, but only while the log still reaches back to the load (else the
    load is left unsettled: `happened` None)."""
    on_card = {r.load_id: r for r in records}
    done = []
    for pending in journal.pending_loads(card_uid):
        record = on_card.get(pending.load_id)
        if record is not None:
            journal.mark_loaded(pending.load_id, record.balance_after)
            done.append(Settlement(pending.load_id, True, record.balance_after))
        elif log_reaches_back(records, pending.log_anchor):
            journal.mark_not_happened(pending.load_id)
            done.append(Settlement(pending.load_id, False, None))
        else:
            done.append(Settlement(pending.load_id, None, None))
    return done


def log_anchor(records: list[LoadRecord]) -> uuid.UUID | None:
    """What to journal before a card write (load or reversal): the newest record's id, None
    when the log is empty. Read back with `log_reaches_back`."""
    return records[0].load_id if records else None


def log_reaches_back(records: list[LoadRecord], anchor: uuid.UUID | None) -> bool:
    """Would a record written after `anchor` (a load or a reversal) still be in this log? Yes
    while the log has never been full (nothing dropped yet) or still holds the anchor (every
    newer record is kept). The one test for both: absence proves "not written" only then."""
    if len(records) < LOG_USABLE_RECORDS:
        return True
    return anchor is not None and any(r.load_id == anchor for r in records)


def resolve(card: BrekaSession, journal: LoadJournal) -> list[Settlement]:
    """Settle the leftovers of an authenticated card (after LoadOutcomeUnknown)."""
    return settle(card.uid, card.load_records(), journal)


def load(
    card: BrekaSession,
    load_id: uuid.UUID,
    amount: int,
    journal: LoadJournal,
    *,
    terminal_no: int = 0,
    clock: Callable[[], float] = time.time,
    check: Callable[[list[LoadRecord]], object] | None = None,
) -> int:
    """Load `amount` points once under `load_id`; returns the new balance (see module doc).
    `check` sees the card's log first (the caller compares it with all its exchanges)."""
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"load amount must be a positive integer, got {amount!r}")
    records = card.load_records()
    if check is not None:
        check(records)
    balance_before = card.balance()
    for settled in settle(card.uid, records, journal):
        if settled.load_id == load_id and settled.happened is None:
            raise LoadOutcomeUnprovable(load_id)  # loading it again could pay it twice
    if any(r.load_id == load_id for r in records[:LOG_USABLE_RECORDS]):
        return balance_before  # already on the card (an earlier, unheard commit): never twice
    journal.record_intent(load_id, card.uid, amount, balance_before, log_anchor(records))
    balance_after = balance_before + amount
    record = LoadRecord(load_id, amount, balance_after, terminal_no, int(clock()), TYPE_LOAD)
    try:
        card.credit(amount)
        card.write_load_record(record)
    except DesfireError:
        # The card answered an error: it ended the session and discarded the transaction,
        # and no commit was sent. Abort anyway, in case the answer was not the card's.
        journal.mark_not_happened(load_id)
        card.abort_quietly()
        raise
    except Exception as exc:
        raise LoadOutcomeUnknown(load_id, card.uid) from exc
    try:
        card.commit()
    except Exception as exc:  # any failure of the commit itself: only the log can tell
        raise LoadOutcomeUnknown(load_id, card.uid) from exc
    journal.mark_loaded(load_id, balance_after)
    return balance_after
