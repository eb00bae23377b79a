"""The Breka operator's answer for a load the card can no longer prove (`load_outcome_unprovable`).

The card's 10-entry log has dropped the load, so only the Breka operator (who sees every
terminal's uploads) can say whether it reached the card. A clerk records that answer with a
reason and the clerk's staff id. The decision is journalled durably, in ONE transaction with
its audit entry, before any cloud call: loaded -> `loaded` (the balance after = before + the
load; the card's load is one transaction), not loaded -> `not_loaded` then `cancel_requested`.
From there the usual paths finish it (Finisher.commit with its settlement record, or the
cancel that releases the hold), here at once and, if the cloud does not answer, by recovery
and the running kiosk's follow-up, idempotent under the exchange id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kiosk.exchange.finish import Finisher, required
from kiosk.exchange.journal import Journal, StepRefused
from kiosk.exchange.recovery import (
    ALERT_LOAD_UNPROVABLE,
    UNPROVABLE_DECIDED,
    alert_commit_refused,
    is_refusal,
)
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.sync.cloud_errors import CloudError

log = logging.getLogger(__name__)

LOADED, NOT_LOADED = "loaded", "not_loaded"  # the operator's two answers


class NotUnprovable(ValueError):
    """The exchange is not parked as unprovable (its card's log, or nothing, decides it)."""


class DecisionConflict(ValueError):
    """A different answer was already recorded for this exchange: the first one stands."""

    def __init__(self, exchange_id: str, recorded: str):
        self.recorded = recorded
        super().__init__(f"exchange {exchange_id}: the operator's answer {recorded!r} is already recorded")


@dataclass(frozen=True)
class Settled:
    outcome: str  # "committed" or "cancelled"
    already: bool  # True: nothing was done now (an earlier run finished it)
    resumed: bool = False  # True: the answer was recorded earlier; only its cloud end was sent now


def decision(journal: Journal, exchange_id: str) -> dict[str, Any] | None:
    """The operator's answer recorded for this exchange (the first one), or None."""
    found = [e.detail for e in audit.entries(journal.store, action=UNPROVABLE_DECIDED)]
    return next((d for d in found if d.get("exchange_id") == exchange_id), None)


def is_parked_unprovable(journal: Journal, exchange_id: str) -> bool:
    """Waits for its card, and that card's log was found not to reach back to it."""
    if journal.get(exchange_id).state is not Step.LOAD_INTENT:
        return False
    raised = audit.entries(journal.store, action=ALERT_LOAD_UNPROVABLE)
    return any(e.detail.get("exchange_id") == exchange_id for e in raised)


def settle_unprovable(
    journal: Journal, finisher: Finisher, exchange_id: str, answer: str, reason: str, clerk: str
) -> Settled:
    """Record the operator's `answer` (LOADED or NOT_LOADED) and finish the exchange by it.
    CloudError: the answer is kept (durable) and the exchange is finished by recovery."""
    if answer not in (LOADED, NOT_LOADED):
        raise ValueError(f"unknown answer {answer!r}")
    reason, clerk = required(reason, "reason"), required(clerk, "clerk")
    row = journal.get(exchange_id)  # KeyError: no such exchange
    prior = decision(journal, exchange_id)
    if prior is not None and prior.get("decision") != answer:
        raise DecisionConflict(exchange_id, str(prior.get("decision")))
    if prior is None:
        _record(journal, exchange_id, answer, reason, clerk)
    elif row.state.final:
        return Settled("committed" if row.state is Step.COMMITTED else "cancelled", already=True)
    return _finish(journal, finisher, exchange_id, answer, resumed=prior is not None)


def _record(journal: Journal, exchange_id: str, answer: str, reason: str, clerk: str) -> None:
    row = journal.get(exchange_id)
    if not is_parked_unprovable(journal, exchange_id):
        raise NotUnprovable(_why_not(row.state))
    if row.balance_before is None:
        raise NotUnprovable(f"exchange {exchange_id} has no balance before its load")
    loaded = row.figures()[3]
    detail = {"exchange_id": exchange_id, "decision": answer, "reason": reason, "clerk": clerk, "loaded": loaded}
    with journal.store.transaction() as tx:  # the answer and its audit entry, before any cloud call
        audit.append(journal.store, "clerk", UNPROVABLE_DECIDED, detail, conn=tx)
        if answer == LOADED:
            journal.advance(exchange_id, Step.LOADED, conn=tx, balance_after=row.balance_before + loaded)
        else:  # straight on to cancel_requested: a not-loaded exchange is never loaded again
            journal.advance(exchange_id, Step.NOT_LOADED, conn=tx)
            journal.advance(exchange_id, Step.CANCEL_REQUESTED, conn=tx, cancel_reason=reason)
    log.warning("exchange %s: the Breka operator's answer %s recorded by clerk %s", exchange_id, answer, clerk)


def _why_not(state: Step) -> str:
    if state is Step.COMMITTED:
        return "it is already finished (committed)"
    if state is Step.CANCELLED:
        return "it is already cancelled"
    if state is Step.LOAD_INTENT:
        return "its card's log can still decide it: put that card on the reader (kiosk exchanges cancel)"
    return f"it is {state.value}, not waiting for a card: kiosk exchanges cancel or recover ends it"


def _finish(journal: Journal, finisher: Finisher, exchange_id: str, answer: str, resumed: bool) -> Settled:
    row = journal.get(exchange_id)
    try:
        if answer == LOADED:
            finisher.commit(row)
        else:
            finisher.cancel(row, row.cancel_reason or "Breka operator: not loaded")
    except StepRefused:  # the running kiosk's follow-up finished it meanwhile
        if not journal.get(exchange_id).state.final:
            raise
    except CloudError as exc:
        journal.note_error(exchange_id, exc.code)
        if answer == LOADED and is_refusal(exc):
            alert_commit_refused(journal, exchange_id, exc.code)
        raise
    return Settled("committed" if answer == LOADED else "cancelled", already=False, resumed=resumed)
