"""Resolving unfinished exchanges from the journal, the cloud and the card's load log.

Never guesses: before `load_intent` no card write can have happened, so the hold is
released; after `loaded` the card has the points, so the cloud commit is (re)sent; in
between only the card's own log can tell, so the exchange waits for its card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.cardio.breka import BrekaSession
from kiosk.cardio.breka_load import resolve
from kiosk.exchange.finish import Finisher
from kiosk.exchange.journal import Journal
from kiosk.exchange.load_journal import ExchangeLoadJournal
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.sync.cloud_errors import CloudError

log = logging.getLogger(__name__)

_RELEASE = {Step.CREATED, Step.HOLD_REQUESTED, Step.HELD, Step.NOT_LOADED, Step.CANCEL_REQUESTED}
_COMMIT = {Step.LOADED, Step.COMMIT_REQUESTED}


@dataclass
class RecoveryReport:
    committed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    waiting_for_card: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # exchange id -> error code (retry later)


def recover(journal: Journal, finisher: Finisher, skip: set[str] = frozenset()) -> RecoveryReport:
    """Finish or cancel every unfinished exchange that does not need its card."""
    report = RecoveryReport()
    for row in journal.unfinished():
        if row.exchange_id in skip:
            continue
        try:
            if row.state in _COMMIT:
                finisher.commit(row)
                report.committed.append(row.exchange_id)
            elif row.state in _RELEASE:
                finisher.cancel(row, row.cancel_reason or "recovered: not loaded")
                report.cancelled.append(row.exchange_id)
            else:
                report.waiting_for_card.append(row.exchange_id)
        except CloudError as exc:
            log.warning("recovery of %s postponed: %s", row.exchange_id, exc.code)
            journal.advance(row.exchange_id, row.state, last_error=exc.code)
            report.failed[row.exchange_id] = exc.code
    for outcome, ids in (("committed", report.committed), ("cancelled", report.cancelled)):
        for exchange_id in ids:
            audit.append(journal.store, "system", f"recovered_{outcome}", {"exchange_id": exchange_id})
    return report


def resolve_card(card: BrekaSession, journal: Journal, finisher: Finisher) -> RecoveryReport:
    """A Breka card was tapped: settle its pending loads from its log, then finish them."""
    pending = {row.exchange_id for row in journal.waiting_for_card(card.uid.hex())}
    if not pending:
        return RecoveryReport()
    resolve(card, ExchangeLoadJournal(journal))
    return recover(journal, finisher)
