"""Resolving unfinished exchanges from the journal, the cloud and the card's load log.

Never guesses: before `load_intent` no card write can have happened, so the hold is
released; after `loaded` the card has the points, so the cloud commit is (re)sent; in
between only the card's own log can tell, so the exchange waits for its card.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk.cardio.breka import BrekaSession, LoadRecord
from kiosk.cardio.breka_load import LoadOutcomeUnprovable, Settlement, open_for_load, settle
from kiosk.cardio.connection import Connection
from kiosk.exchange.finish import CardNeeded, Finisher
from kiosk.exchange.journal import Journal
from kiosk.exchange.load_journal import ExchangeLoadJournal
from kiosk.exchange.steps import Step
from kiosk.store import audit
from kiosk.sync.cloud_errors import CloudError, CloudUnavailable, TerminalRejected, UnexpectedResponse

log = logging.getLogger(__name__)

_RELEASE = {Step.CREATED, Step.HOLD_REQUESTED, Step.HELD, Step.NOT_LOADED, Step.CANCEL_REQUESTED}
_COMMIT = {Step.LOADED, Step.COMMIT_REQUESTED}


@dataclass
class RecoveryReport:
    committed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    waiting_for_card: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # exchange id -> error code (retry later)


ALERT_LOAD_ON_CANCELLED = "load_for_cancelled_exchange"
# A load whose outcome the card's log can no longer prove (pushed out by 10 later loads):
# the hold stays, nothing is loaded again, and a person decides with the Breka operator.
ALERT_LOAD_UNPROVABLE = "load_outcome_unprovable"
# The clerk recorded the Breka operator's answer for one (kiosk/exchange/unprovable.py): the
# alert is resolved and no longer listed.
UNPROVABLE_DECIDED = "unprovable_decided"
ALERT_COMMIT_REFUSED = "commit_refused"  # the card has the points, the cloud will not take them
# The same for a correction's debit (kiosk.exchange.reversal): parked at card_intent, the debit
# neither repeated nor given up (abandoned) until a person has asked the Breka operator.
ALERT_REVERSAL_UNPROVABLE = "reversal_outcome_unprovable"


def recover(
    journal: Journal, finisher: Finisher, skip: frozenset[str] | set[str] = frozenset(), only: set[str] | None = None
) -> RecoveryReport:
    """Finish or cancel every unfinished exchange that does not need its card (or just `only`)."""
    report = RecoveryReport()
    for row in journal.unfinished():
        if row.exchange_id in skip or (only is not None and row.exchange_id not in only):
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
            journal.note_error(row.exchange_id, exc.code)
            report.failed[row.exchange_id] = exc.code
            if row.state in _COMMIT and is_refusal(exc):
                alert_commit_refused(journal, row.exchange_id, exc.code)
    for outcome, ids in (("committed", report.committed), ("cancelled", report.cancelled)):
        for exchange_id in ids:
            audit.append(journal.store, "system", f"recovered_{outcome}", {"exchange_id": exchange_id})
    return report


def resolve_card(card: BrekaSession, journal: Journal, finisher: Finisher) -> RecoveryReport:
    """A Breka card was tapped: check its log, settle its pending loads from it, finish them."""
    records = card.load_records()
    flag_cancelled_loads(records, journal)
    ref = finisher.keys.card_ref(card.uid.hex())
    pending = {row.exchange_id for row in journal.waiting_for_card(ref, card.uid.hex())}
    if not pending:
        return RecoveryReport()
    settled = settle(card.uid, records, ExchangeLoadJournal(journal, finisher.keys.card_ref))
    flag_unprovable(unprovable(settled), journal)
    return recover(journal, finisher, only=pending)


def flag_cancelled_loads(records: list[LoadRecord], journal: Journal) -> list[str]:
    """Loads on the card for exchanges this kiosk cancelled: points given without points taken.
    They cannot be committed any more (the cloud released the hold), so each is raised once
    to the clerk with its figures (`alerts()`); the exchange itself stays cancelled.
    Runs at every Breka tap: the alerts already raised are read only when there is one."""
    flagged: list[str] = []
    mine = journal.find([str(record.load_id) for record in records])  # other terminals' loads are not
    cancelled = [
        (record, row)
        for record in records
        if (row := mine.get(str(record.load_id))) is not None and row.state is Step.CANCELLED
    ]
    if not cancelled:
        return flagged
    known = {a.get("exchange_id") for a in alerts(journal, ALERT_LOAD_ON_CANCELLED)}
    for record, row in cancelled:
        exchange_id = row.exchange_id
        if exchange_id not in known:
            detail = {
                "exchange_id": exchange_id,
                "card_ref": row.card_ref,
                "loaded": record.delta,
                "balance_after": record.balance_after,
                "points": row.points,
            }
            audit.append(journal.store, "system", ALERT_LOAD_ON_CANCELLED, detail)
            log.error(
                "Breka load found for cancelled exchange %s (+%d): raised to the clerk", exchange_id, record.delta
            )
            flagged.append(exchange_id)
            known.add(exchange_id)
    return flagged


def unprovable(settlements: list[Settlement]) -> list[str]:
    return [str(s.load_id) for s in settlements if s.happened is None]


def flag_unprovable(unprovable: list[str], journal: Journal) -> list[str]:
    """Raise, once each, the loads the card's log could not settle (see ALERT_LOAD_UNPROVABLE)."""
    if not unprovable:
        return []
    known = {e.detail.get("exchange_id") for e in audit.entries(journal.store, action=ALERT_LOAD_UNPROVABLE)}
    for exchange_id in unprovable:
        journal.note_error(exchange_id, "card_log_too_short")
        if exchange_id not in known:
            row = journal.get(exchange_id)
            detail = {"exchange_id": exchange_id, "card_ref": row.card_ref, "loaded": row.loaded}
            audit.append(journal.store, "system", ALERT_LOAD_UNPROVABLE, detail)
            log.error("load %s: the card's log no longer reaches back to it; raised to the clerk", exchange_id)
    return unprovable


def is_refusal(exc: CloudError) -> bool:
    """The cloud answered and said no (not: no answer, a terminal problem, a garbled answer)."""
    return not isinstance(exc, (CloudUnavailable, TerminalRejected, UnexpectedResponse))


def alert_commit_refused(journal: Journal, exchange_id: str, code: str) -> bool:
    """The cloud refused the commit of an exchange whose points are on the card. The exchange
    stays unfinished (no record, so nothing is paid twice; retried like any pending commit);
    the clerk is told once, with its figures. Returns whether an alert was raised now."""
    if any(a.get("exchange_id") == exchange_id for a in alerts(journal, ALERT_COMMIT_REFUSED)):
        return False
    row = journal.get(exchange_id)
    detail = {"exchange_id": exchange_id, "code": code, "loaded": row.loaded, "points": row.points}
    audit.append(journal.store, "system", ALERT_COMMIT_REFUSED, detail)
    log.error("the cloud refused the commit of %s (%s): raised to the clerk", exchange_id, code)
    return True


def alerts(journal: Journal, *actions: str) -> list[dict[str, Any]]:
    """What the clerk must look at: loads found on cards for cancelled exchanges, loads (and
    corrections' debits) whose outcome the card can no longer prove, and loads whose commit the
    cloud refused (`kind` says which). `actions` narrows it to those kinds. An unprovable load
    whose operator's answer the clerk has recorded is resolved: no longer listed."""
    kinds = actions or (ALERT_LOAD_ON_CANCELLED, ALERT_LOAD_UNPROVABLE, ALERT_COMMIT_REFUSED, ALERT_REVERSAL_UNPROVABLE)
    decided: set[str] = set()
    if ALERT_LOAD_UNPROVABLE in kinds:
        decided = {e.detail.get("exchange_id", "") for e in audit.entries(journal.store, action=UNPROVABLE_DECIDED)}
    return [
        e.detail | {"at": e.at, "kind": action}
        for action in kinds
        for e in audit.entries(journal.store, action=action)
        if not (action == ALERT_LOAD_UNPROVABLE and e.detail.get("exchange_id") in decided)
    ]


def settle_with_card(
    conn: Connection,
    load_master: bytes,
    journal: Journal,
    finisher: Finisher,
    exchange_id: str,
    reason: str,
    clerk: str,
) -> str:
    """A clerk ends an exchange that waits for its Breka card, with that card on the reader: its
    log decides. Loaded: the points are on the card, so the exchange is finished (committed);
    not loaded: it is cancelled and the hold released. Returns "committed" or "cancelled"."""
    row = journal.get(exchange_id)
    if row.state is not Step.LOAD_INTENT:
        raise ValueError(f"exchange {exchange_id} is {row.state.value}, not waiting for its card")
    card = open_for_load(conn, load_master)
    ref = finisher.keys.card_ref(card.uid.hex())
    if not row.holds_card(ref, card.uid.hex()):
        raise CardNeeded(exchange_id)  # another card: this one's log says nothing about the load
    records = card.load_records()
    flag_cancelled_loads(records, journal)
    others = {r.exchange_id for r in journal.waiting_for_card(ref, card.uid.hex())} - {exchange_id}
    settled = settle(card.uid, records, ExchangeLoadJournal(journal, finisher.keys.card_ref))
    flag_unprovable(unprovable(settled), journal)
    row = journal.get(exchange_id)
    if row.state is Step.LOAD_INTENT:
        raise LoadOutcomeUnprovable(uuid.UUID(exchange_id))  # the hold stays: a person decides
    outcome = "committed" if row.state is Step.LOADED else "cancelled"
    audit.append(
        journal.store,
        "clerk",
        "settle_with_card",
        {"exchange_id": exchange_id, "outcome": outcome, "reason": reason, "clerk": clerk},
    )
    if outcome == "committed":
        finisher.commit(row)
    else:
        finisher.cancel(row, reason)
    if others:
        recover(journal, finisher, only=others)
    return outcome
