"""Corrections: a clerk reverses a committed exchange the same (JST) day, with the citizen and
both cards present (docs/money-safety.md, "Corrections").

The saga, journalled step by step and forward only, like the exchange's (kiosk.exchange.steps):

    requested  --(the holder proved by My Number + PIN; clerk, reason, figures fixed)
    card_intent --(written before the first card write: debit + reversal record may happen)
    card_done | card_not_done   --(the card's log decides; not done may be tried again)
    cloud_requested --(written before the cloud call)
    reversed   --(final: the cloud returned the points; ONE transaction with the settlement
                  record of kind "reversal" in the outbox)
    abandoned  --(final: nothing was written to the card: points spent, other card, holder gone)

After a crash: `requested`/`card_not_done` → nothing on the card, abandoned by recovery;
`card_intent` → waits for that card (its log decides, with the anchor journalled with the
intent: if the log no longer reaches back to it, the reversal stays parked at `card_intent`
and the clerk is alerted once, ALERT_REVERSAL_UNPROVABLE), at the correction screen or when the
card is tapped at the start screen (`settle_from_card`, which never writes to the card); `card_done`/`cloud_requested` → the
cloud call is (re)sent (idempotent under the reversal id), then the record is queued.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from kiosk.cardio import breka_reversal
from kiosk.cardio.breka import BrekaSession, LoadRecord
from kiosk.cardio.breka_load import open_for_load
from kiosk.cardio.connection import Connection
from kiosk.cardio.desfire_status import DesfireError
from kiosk.exchange.finish import required
from kiosk.exchange.journal import ExchangeRow, Journal, utc_now
from kiosk.exchange.ports import Cloud, Keys
from kiosk.exchange.recovery import ALERT_REVERSAL_UNPROVABLE, alerts
from kiosk.exchange.steps import Step
from kiosk.rules import JST
from kiosk.store import audit
from kiosk.sync.outbox import Outbox
from kiosk.sync.settlement_record import KIND_REVERSAL

if TYPE_CHECKING:
    from kiosk.sync.cloud import HolderSession

log = logging.getLogger(__name__)


class RStep(str, Enum):
    REQUESTED = "requested"
    CARD_INTENT = "card_intent"
    CARD_DONE = "card_done"
    CARD_NOT_DONE = "card_not_done"
    CLOUD_REQUESTED = "cloud_requested"
    REVERSED = "reversed"
    ABANDONED = "abandoned"

    @property
    def final(self) -> bool:
        return self in (RStep.REVERSED, RStep.ABANDONED)


NEXT: dict[RStep, frozenset[RStep]] = {
    RStep.REQUESTED: frozenset({RStep.CARD_INTENT, RStep.ABANDONED}),
    RStep.CARD_INTENT: frozenset({RStep.CARD_DONE, RStep.CARD_NOT_DONE}),
    RStep.CARD_NOT_DONE: frozenset({RStep.CARD_INTENT, RStep.ABANDONED}),
    RStep.CARD_DONE: frozenset({RStep.CLOUD_REQUESTED}),
    RStep.CLOUD_REQUESTED: frozenset({RStep.REVERSED}),
    RStep.REVERSED: frozenset(),
    RStep.ABANDONED: frozenset(),
}
CLOUD_DUE = {RStep.CARD_DONE, RStep.CLOUD_REQUESTED}  # the card gave the points back: tell the cloud
NOTHING_WRITTEN = {RStep.REQUESTED, RStep.CARD_NOT_DONE}
ABANDON_AFTER_S = 1800.0  # a reversal that wrote nothing is ended by recovery after this long


def prove_holder(conn: Connection, pin: str, cloud: Cloud) -> HolderSession:
    """The citizen's My Number Card on the reader and their PIN: the cloud's holder session
    (its MyKey ID says whose exchange may be reversed). The certificate is not kept."""
    from kiosk.cardio.errors import CardError
    from kiosk.cardio.identify import CardKind, identify
    from kiosk.cardio.mynumber import MyNumberSession

    ident = identify(conn)
    session = ident.session
    if ident.kind is not CardKind.MYNUMBER or not isinstance(session, MyNumberSession):
        raise CardError("not a My Number Card")
    certificate = session.read_auth_certificate()
    session.verify_pin(pin)
    challenge = cloud.challenge()
    signature = session.sign_challenge(challenge.nonce)
    return cloud.authenticate_holder(challenge.challenge_id, certificate, signature)


class NotReversible(ValueError):
    """Why an exchange cannot be reversed: `code` is one of not_committed, other_day,
    already_reversed, other_holder, other_card, points_spent."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ReversalRow:
    reversal_id: str
    exchange_id: str
    state: RStep
    created_at: str
    updated_at: str
    clerk: str
    reason: str
    unloaded: int
    card_ref: str
    balance_before: int | None
    balance_after: int | None
    last_error: str | None
    # The newest record on the card's log when card_intent was journalled ("": the log was
    # empty; None: not known, a row from before the column): see breka_reversal.settle.
    log_anchor: str | None = None


@dataclass
class CardSettlement:
    """What a Breka card tapped at the start screen settled of its waiting reversals."""

    reversed: list[str] = field(default_factory=list)  # debited; the cloud returned the points
    cloud_due: list[str] = field(default_factory=list)  # debited; the cloud's part is retried later
    not_done: list[str] = field(default_factory=list)  # not debited: nothing to undo, abandoned later
    unprovable: list[str] = field(default_factory=list)  # the log cannot tell: parked, raised to the clerk

    @property
    def debited(self) -> list[str]:
        return self.reversed + self.cloud_due


_FIELDS = ("balance_before", "balance_after", "last_error", "log_anchor")


class Reversals:
    def __init__(
        self,
        journal: Journal,
        outbox: Outbox,
        cloud: Cloud,
        keys: Keys,
        clock: Callable[[], datetime] = utc_now,
        terminal_no: int = 0,
    ) -> None:
        self.journal, self.outbox, self.cloud, self.keys = journal, outbox, cloud, keys
        self.store, self.clock, self.terminal_no = journal.store, clock, terminal_no

    # -- the journal ---------------------------------------------------------------------
    def get(self, reversal_id: str) -> ReversalRow:
        rows = self.store.query("SELECT * FROM reversals WHERE reversal_id = ?", (reversal_id,))
        if not rows:
            raise KeyError(f"no reversal {reversal_id}")
        return _row(rows[0])

    def of_exchange(self, exchange_id: str) -> list[ReversalRow]:
        rows = self.store.query("SELECT * FROM reversals WHERE exchange_id = ? ORDER BY created_at", (exchange_id,))
        return [_row(r) for r in rows]

    def unfinished(self) -> list[ReversalRow]:
        rows = self.store.query(
            "SELECT * FROM reversals WHERE state NOT IN (?, ?) ORDER BY created_at",
            (RStep.REVERSED.value, RStep.ABANDONED.value),
        )
        return [_row(r) for r in rows]

    def steps(self, reversal_id: str) -> list[RStep]:
        rows = self.store.query("SELECT step FROM reversal_journal WHERE reversal_id = ? ORDER BY id", (reversal_id,))
        return [RStep(r["step"]) for r in rows]

    def _advance(self, reversal_id: str, step: RStep, conn: sqlite3.Connection | None = None, **fields: Any) -> None:
        if set(fields) - set(_FIELDS):
            raise ValueError(f"unknown reversal fields: {sorted(set(fields) - set(_FIELDS))}")
        if conn is None:
            with self.store.transaction() as tx:
                return self._advance(reversal_id, step, tx, **fields)
        found = conn.execute("SELECT state FROM reversals WHERE reversal_id = ?", (reversal_id,)).fetchone()
        if found is None:
            raise KeyError(f"no reversal {reversal_id}")
        current = RStep(found[0])
        if step not in NEXT[current] and not (step is current and not current.final):
            raise ValueError(f"reversal {reversal_id} is {current.value}: {step.value} may not follow")
        at = self.clock().isoformat(timespec="milliseconds")
        sets = "".join(f", {k} = ?" for k in fields)
        conn.execute(
            f"UPDATE reversals SET state = ?, updated_at = ?{sets} WHERE reversal_id = ?",
            (step.value, at, *fields.values(), reversal_id),
        )
        conn.execute(
            "INSERT INTO reversal_journal(reversal_id, at, step, detail) VALUES (?,?,?,?)",
            (reversal_id, at, step.value, json.dumps(fields, sort_keys=True)),
        )
        return None

    def note_error(self, reversal_id: str, code: str) -> None:
        row = self.get(reversal_id)
        if not row.state.final:
            self._advance(reversal_id, row.state, last_error=code)

    # -- the saga ------------------------------------------------------------------------
    def check(self, exchange_id: str, now: datetime | None = None) -> ExchangeRow:
        """The exchange if a clerk may reverse it now; NotReversible otherwise."""
        row = self.journal.get(exchange_id)
        if row.state is not Step.COMMITTED:
            raise NotReversible("not_committed", f"exchange {exchange_id} is {row.state.value}, not committed")
        now = now or self.clock()
        if datetime.fromisoformat(row.updated_at).astimezone(JST).date() != now.astimezone(JST).date():
            raise NotReversible("other_day", "an exchange is reversed only on the day it was made")
        if any(r.state is not RStep.ABANDONED for r in self.of_exchange(exchange_id)):
            raise NotReversible("already_reversed", f"exchange {exchange_id} has a reversal already")
        return row

    def begin(self, exchange_id: str, holder_mykey_id: str, clerk: str, reason: str) -> str:
        """The clerk starts a reversal: the holder has proved who they are (their My Number
        Card and PIN gave `holder_mykey_id`). Returns the reversal id."""
        clerk, reason = required(clerk, "clerk"), required(reason, "reason")
        row = self.check(exchange_id)
        mykey_id, _points, _fee, loaded = row.figures()
        if holder_mykey_id != mykey_id:
            raise NotReversible("other_holder", "the My Number Card shown is not the exchange's holder")
        if row.card_ref is None:
            raise NotReversible("other_card", f"exchange {exchange_id} has no card reference")
        reversal_id = str(uuid.uuid4())
        at = self.clock().isoformat(timespec="milliseconds")
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO reversals(reversal_id, exchange_id, state, created_at, updated_at, clerk, reason, "
                "unloaded, card_ref) VALUES (?,?,?,?,?,?,?,?,?)",
                (reversal_id, exchange_id, RStep.REQUESTED.value, at, at, clerk, reason, loaded, row.card_ref),
            )
            tx.execute(
                "INSERT INTO reversal_journal(reversal_id, at, step, detail) VALUES (?,?,?,?)",
                (reversal_id, at, RStep.REQUESTED.value, "{}"),
            )
            detail = {"exchange_id": exchange_id, "reversal_id": reversal_id, "clerk": clerk, "reason": reason}
            audit.append(self.store, "clerk", "reversal_requested", detail, conn=tx)
        return reversal_id

    def on_card(self, reversal_id: str, conn: Connection, load_master: bytes) -> ReversalRow:
        """The exchange's Breka card is on the reader: take the points back (or read from its log
        whether an interrupted try did). Raises NotReversible("points_spent" | "other_card"),
        ReversalOutcomeUnknown (present the same card again) or a card error."""
        rev = self.get(reversal_id)
        if rev.state not in (RStep.REQUESTED, RStep.CARD_INTENT, RStep.CARD_NOT_DONE):
            return rev
        card = open_for_load(conn, load_master)
        if self.keys.card_ref(card.uid.hex()) != rev.card_ref:
            raise NotReversible("other_card", "this is not the Breka card the exchange loaded")
        if rev.state is RStep.CARD_INTENT:  # an earlier try was cut off: the log decides
            if self._settle_intent(rev, card.load_records()) is RStep.CARD_DONE:
                return self.get(reversal_id)

        def intent(balance_before: int, anchor: uuid.UUID | None) -> None:
            # "" (not NULL) for an empty log: NULL means "not known" (a row from before the anchor).
            log_anchor = str(anchor) if anchor else ""
            self._advance(reversal_id, RStep.CARD_INTENT, balance_before=balance_before, log_anchor=log_anchor)

        try:
            after = breka_reversal.reverse(
                card, uuid.UUID(reversal_id), rev.unloaded, before_write=intent, terminal_no=self.terminal_no
            )
        except breka_reversal.PointsSpent as exc:
            self.abandon(reversal_id, "system", "points_spent")
            raise NotReversible(
                "points_spent", f"the card holds {exc.balance} points: the {exc.amount} loaded were spent"
            ) from exc
        except DesfireError:
            if self.get(reversal_id).state is RStep.CARD_INTENT:
                self._advance(reversal_id, RStep.CARD_NOT_DONE)  # the card discarded the transaction
            raise
        self._advance(reversal_id, RStep.CARD_DONE, balance_after=after)
        return self.get(reversal_id)

    def _settle_intent(self, rev: ReversalRow, records: list[LoadRecord]) -> RStep:
        """A reversal cut off at card_intent, decided by its card's log (never written to):
        card_done (its record is there) or card_not_done (absent, and the log reaches back to
        the anchor). ReversalOutcomeUnprovable otherwise: flagged, parked at card_intent."""
        anchor = uuid.UUID(rev.log_anchor) if rev.log_anchor else None
        try:
            found = breka_reversal.settle(records, uuid.UUID(rev.reversal_id), anchor)
        except breka_reversal.ReversalOutcomeUnprovable:
            self.flag_unprovable(rev)  # parked at card_intent: neither debited again nor abandoned
            raise
        if found is not None:
            self._advance(rev.reversal_id, RStep.CARD_DONE, balance_after=found.balance_after)
            return RStep.CARD_DONE
        self._advance(rev.reversal_id, RStep.CARD_NOT_DONE)
        return RStep.CARD_NOT_DONE

    def settle_from_card(self, card: BrekaSession) -> CardSettlement:
        """A Breka card tapped with no clerk present (the start screen): its reversals waiting at
        card_intent (matched by the keyed card ref) are settled from its log, and the card is
        never written. Debited: card_done, then the cloud's part (a CloudError leaves it due for
        the follow-up); not debited: card_not_done (recovery abandons it); unprovable: parked.
        The log is read only when this card has a reversal waiting."""
        from kiosk.sync.cloud_errors import CloudError

        out = CardSettlement()
        ref = self.keys.card_ref(card.uid.hex())
        waiting = [r for r in self.unfinished() if r.state is RStep.CARD_INTENT and r.card_ref == ref]
        if not waiting:
            return out
        records = card.load_records()
        for rev in waiting:
            try:
                step = self._settle_intent(rev, records)
            except breka_reversal.ReversalOutcomeUnprovable:
                out.unprovable.append(rev.reversal_id)
                continue
            audit.append(
                self.store,
                "system",
                "reversal_settled_at_start",
                {"exchange_id": rev.exchange_id, "reversal_id": rev.reversal_id, "step": step.value},
            )
            if step is RStep.CARD_NOT_DONE:
                out.not_done.append(rev.reversal_id)
                continue
            try:
                self.finish(rev.reversal_id)
                out.reversed.append(rev.reversal_id)
            except CloudError as exc:
                self.note_error(rev.reversal_id, exc.code)
                out.cloud_due.append(rev.reversal_id)
        return out

    def flag_unprovable(self, rev: ReversalRow) -> bool:
        """The card's log can no longer say whether this reversal's debit happened: note it and
        raise it to the clerk once (ALERT_REVERSAL_UNPROVABLE). Returns whether raised now."""
        self.note_error(rev.reversal_id, "card_log_too_short")
        if any(a.get("reversal_id") == rev.reversal_id for a in alerts(self.journal, ALERT_REVERSAL_UNPROVABLE)):
            return False
        detail = {
            "exchange_id": rev.exchange_id,
            "reversal_id": rev.reversal_id,
            "card_ref": rev.card_ref,
            "unloaded": rev.unloaded,
            "clerk": rev.clerk,
        }
        audit.append(self.store, "system", ALERT_REVERSAL_UNPROVABLE, detail)
        log.error("reversal %s: the card's log no longer reaches back to it; raised to the clerk", rev.reversal_id)
        return True

    def finish(self, reversal_id: str, holder: HolderSession | None = None) -> ReversalRow:
        """The card gave the points back: the cloud returns the points used, then the reversal's
        settlement record is queued with the final step in one transaction. A CloudError leaves
        it at cloud_requested for the follow-up (the call is idempotent)."""
        rev = self.get(reversal_id)
        if rev.state not in CLOUD_DUE:
            return rev
        if rev.state is RStep.CARD_DONE:
            self._advance(reversal_id, RStep.CLOUD_REQUESTED)
        row = self.journal.get(rev.exchange_id)
        mykey_id, points, fee, loaded = row.figures()
        self.cloud.reverse(
            rev.exchange_id,
            reversal_id=reversal_id,
            card_ref=rev.card_ref,
            unloaded=rev.unloaded,
            balance_after=rev.balance_after if rev.balance_after is not None else 0,
            reason=rev.reason,
            holder=holder,
        )
        device_key = self.keys.device_key()
        with self.store.transaction() as tx:
            self.outbox.append(
                tx,
                device_key=device_key,
                exchange_id=rev.exchange_id,
                mykey_id=mykey_id,
                event_id=row.event_id,
                points_used=-points,
                fee=-fee,
                loaded=-loaded,
                card_ref=rev.card_ref,
                load_id=reversal_id,
                occurred_at=self._card_done_at(reversal_id),
                kind=KIND_REVERSAL,
            )
            self._advance(reversal_id, RStep.REVERSED, conn=tx)
            detail = {"exchange_id": rev.exchange_id, "reversal_id": reversal_id, "clerk": rev.clerk}
            audit.append(self.store, "clerk", "reversed", detail | {"points": points, "loaded": loaded}, conn=tx)
        return self.get(reversal_id)

    def abandon(self, reversal_id: str, by: str, reason: str) -> None:
        """End a reversal that wrote nothing to the card (never one that may have)."""
        rev = self.get(reversal_id)
        if rev.state not in NOTHING_WRITTEN:
            raise ValueError(f"reversal {reversal_id} is {rev.state.value}: the card may have changed")
        with self.store.transaction() as tx:
            self._advance(reversal_id, RStep.ABANDONED, conn=tx, last_error=reason)
            detail = {"exchange_id": rev.exchange_id, "reversal_id": reversal_id, "by": by, "reason": reason}
            audit.append(self.store, "clerk" if by != "system" else "system", "reversal_abandoned", detail, conn=tx)

    def recover(self, abandon_after_s: float = ABANDON_AFTER_S, only: set[str] | None = None) -> dict[str, list[str]]:
        """Start-up and follow-up: send what the cloud still needs; abandon what wrote nothing
        once it is `abandon_after_s` old (the citizen has gone; a younger one may be at the
        counter now); leave what waits for its card. CloudError codes are noted."""
        from kiosk.sync.cloud_errors import CloudError

        out: dict[str, list[str]] = {"reversed": [], "abandoned": [], "waiting_for_card": [], "failed": []}
        now = self.clock()
        for rev in self.unfinished():
            if only is not None and rev.reversal_id not in only:
                continue
            if rev.state in NOTHING_WRITTEN and not self.stale(rev, abandon_after_s, now):
                continue
            if rev.state in CLOUD_DUE:
                try:
                    self.finish(rev.reversal_id)
                    out["reversed"].append(rev.reversal_id)
                except CloudError as exc:
                    self.note_error(rev.reversal_id, exc.code)
                    out["failed"].append(rev.reversal_id)
            elif rev.state in NOTHING_WRITTEN:
                self.abandon(rev.reversal_id, "system", "recovered: nothing written")
                out["abandoned"].append(rev.reversal_id)
            else:
                out["waiting_for_card"].append(rev.reversal_id)
        return out

    def stale(self, rev: ReversalRow, abandon_after_s: float = ABANDON_AFTER_S, now: datetime | None = None) -> bool:
        """Wrote nothing to the card and untouched for `abandon_after_s`: recovery ends it."""
        age = ((now or self.clock()) - datetime.fromisoformat(rev.updated_at)).total_seconds()
        return rev.state in NOTHING_WRITTEN and age >= abandon_after_s

    def _card_done_at(self, reversal_id: str) -> str:
        rows = self.store.query(
            "SELECT at FROM reversal_journal WHERE reversal_id = ? AND step = ? ORDER BY id DESC LIMIT 1",
            (reversal_id, RStep.CARD_DONE.value),
        )
        return rows[0]["at"] if rows else self.get(reversal_id).updated_at


def _row(r: sqlite3.Row) -> ReversalRow:
    data = dict(r)
    data["state"] = RStep(data["state"])
    return ReversalRow(**data)
