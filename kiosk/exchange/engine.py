"""The exchange as a Qt-free state machine over three ports: card reader, cloud, journal.

identify → PIN → authenticate → balance → amount → hold → tap Breka → load → commit →
settlement record → receipt. Each public method is one event from the counter (a card
tapped, a PIN entered, an amount chosen, …); it runs to completion on the caller's
thread (the card worker in the GUI, the test or CLI thread otherwise) and returns the
new View, which is also passed to `listener`. The engine holds the holder's token and the
open card session only in memory, and `reset()` wipes them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.cardio import errors as card_errors
from kiosk.cardio.breka_load import LoadOutcomeUnknown, LoadOutcomeUnprovable, load, open_for_load
from kiosk.cardio.connection import Connection
from kiosk.cardio.desfire_status import BoundaryError
from kiosk.cardio.identify import CardKind, identify
from kiosk.cardio.mynumber import MyNumberSession
from kiosk.exchange.balance import after_exchange, lot_views
from kiosk.exchange.finish import CardNeeded, Finisher
from kiosk.exchange.journal import Journal
from kiosk.exchange.load_journal import ExchangeLoadJournal
from kiosk.exchange.mykey_log import MykeyLog
from kiosk.exchange.ports import Cloud, Keys, Reader
from kiosk.exchange.prefetch import PrefetchedChallenge
from kiosk.exchange.problems import problem_for
from kiosk.exchange.recovery import flag_cancelled_loads, flag_unprovable, recover, resolve_card, settle_with_card
from kiosk.exchange.reserved_log import ReservedLog
from kiosk.exchange.steps import Step
from kiosk.exchange.view import LotView, Phase, Problem, Receipt, View, short_number
from kiosk.exchange.visit_outcome import end_visit, outcome_for
from kiosk.rules import AmountError, AmountLimits, Quote, quote, validate_amount
from kiosk.store import audit
from kiosk.sync.cloud_errors import (
    ChallengeExpired,
    CloudError,
    CloudUnavailable,
    EventClosed,
    InsufficientPoints,
    MykeyNotProven,
    NoMykeyId,
)

if TYPE_CHECKING:  # types only: the engine talks to the cloud through its Cloud port
    from kiosk.exchange.background import BackgroundCommits
    from kiosk.exchange.reversal import CardSettlement, Reversals
    from kiosk.sync.cloud import Challenge, HolderSession

log = logging.getLogger(__name__)

CHALLENGE_MAX_AGE_S = 120  # a prefetched challenge older than this is replaced before signing


@dataclass
class Visit:
    """One citizen at the counter: everything the engine knows of them, in memory only.
    Replaced as a whole when the visit ends (done, cancel, idle, failure), never patched."""

    conn: Connection | None = None  # the My Number Card, open between the tap and the signature
    session: MyNumberSession | None = None
    holder: HolderSession | None = None  # the cloud's token for the authenticated holder
    certificate: bytes | None = None
    challenge: PrefetchedChallenge | None = None  # fetched during PIN entry
    tries_left: int | None = None
    usable: int = 0
    reserved: int = 0
    reserved_lots: tuple[LotView, ...] = ()
    assign_key: str | None = None  # journalled before the assignment call; reused by a retry
    assigned: int = 0
    issuing_closed: bool = False  # the cloud said the event no longer issues points
    lots: tuple[LotView, ...] = ()
    quote: Quote | None = None
    exchange_id: str | None = None
    receipt: Receipt | None = None
    finished_pending: tuple[str, ...] = ()
    started: bool = False  # a My Number Card was read: this visit is counted when it ends
    ended: bool = False  # counted already (kiosk.store.visits)
    nothing_to_exchange: str | None = None  # "no_usable_points" / "reserved_only" once the balance shows it
    # A card without a MyKey ID: the proof of its holder authentication (challenge id,
    # certificate, signature), kept only while the consent screen is shown (issue 18).
    proof: tuple[str, bytes, bytes] | None = None
    mykey_key: str | None = None  # journalled before the set-up call; reused by a retry
    mykey_created: bool = False


class ExchangeEngine:
    def __init__(
        self,
        *,
        reader: Reader,
        cloud: Cloud,
        journal: Journal,
        finisher: Finisher,
        keys: Keys,
        event_id: str,
        clerk_threshold: int = 50_000,
        card_upper_limit: int = 1_000_000,
        terminal_no: int = 0,
        issue_until: datetime | None = None,
        listener: Callable[[View], None] | None = None,
        background: BackgroundCommits | None = None,
        reversals: Reversals | None = None,
    ):
        self.reader, self.cloud, self.journal, self.finisher, self.keys = reader, cloud, journal, finisher, keys
        self.event_id, self.terminal_no = event_id, terminal_no
        self.clerk_threshold, self.card_upper_limit = clerk_threshold, card_upper_limit
        self.issue_until = issue_until  # the event's issuing period ends (rules.event_issue_until)
        self.reserved_log = ReservedLog(journal)
        self.mykey_log = MykeyLog(journal)
        self.listener = listener
        # With `background`, the done screen follows the card load at once and the cloud commit
        # runs behind it (kiosk.exchange.background); without, the commit comes before "done".
        self.background = background
        self.reversals = reversals  # corrections torn at the card write settle at a Breka tap too
        self.apdus = 0  # counted by callers that wrap the reader; informative
        self._phase: Phase = Phase.WAIT_MYNUMBER
        self._problem: Problem | None = None
        self._v = Visit()
        # A clerk uses the reader (a correction: the citizen's cards are read by the clerk's
        # job): taps are not a new visit meanwhile. Set and cleared on the card worker.
        self.reader_reserved = False

    # -- events ------------------------------------------------------------------------
    # Card events return None when the step does not care: nothing changed, so the screen is
    # not re-drawn (a PIN or an amount being typed stays).
    def card_tapped(self) -> View | None:
        """Whatever card is on the reader now: act on it according to the phase."""
        if self.reader_reserved:
            return None
        if self._phase is Phase.TAP_BREKA:
            return self._breka_tapped()
        if self._phase in (Phase.WAIT_MYNUMBER, Phase.DONE, Phase.FAILED, Phase.LOCKED):
            self._wipe()
            return self._mynumber_tapped()
        return None

    def card_removed(self) -> View | None:
        """The card left the reader. Only the PIN step needs the My Number Card to stay (the
        signature comes after the PIN): say so now, not when the PIN is submitted. At any
        other step taking a card away is the normal swap, or is caught by the step itself."""
        if self._phase is Phase.PIN:
            return self._restart(card_errors.CardRemoved("the card left the reader at the PIN step"))
        return None

    def enter_pin(self, pin: str, *, confirm_last_try: bool = False) -> View:
        if self._phase is not Phase.PIN or self._v.session is None:
            return self._view()
        self._problem = None
        try:
            self._v.session.verify_pin(pin, confirm_last_try=confirm_last_try)
        except card_errors.PinIncorrect as exc:
            self._v.tries_left = exc.tries_left
            return self._set(Phase.PIN, problem_for(exc))
        except card_errors.PinBlocked as exc:
            self._close_card()
            self._end_visit("pin_locked")
            return self._set(Phase.LOCKED, problem_for(exc))
        except (card_errors.LastTryNotConfirmed, card_errors.InvalidPinFormat) as exc:
            return self._set(Phase.PIN, problem_for(exc))
        except card_errors.CardError as exc:
            return self._restart(exc)
        del pin
        try:
            session = self._v.session
            certificate = self._v.certificate or session.read_auth_certificate()
            challenge = self._fresh_challenge()
            signature = session.sign_challenge(challenge.nonce)
            self._close_card()  # power down: the verified PIN must not outlive the signature
            try:
                self._v.holder = self.cloud.authenticate_holder(challenge.challenge_id, certificate, signature)
            except NoMykeyId:  # proven, but no MyKey ID yet: offer to set it up with this proof
                self._v.proof, self._v.certificate = (challenge.challenge_id, certificate, signature), None
                return self._set(Phase.MYKEY_CONSENT)
            del certificate  # not kept after the session (jpki.md §8, legal caution)
            self._v.certificate = None
            if self._v.holder.balance is not None:  # sent with the token: no second round trip
                self._take_balance(self._v.holder.balance)
            else:
                self._load_balance()
        except (card_errors.CardError, CloudError) as exc:
            return self._restart(exc)
        return self._set(Phase.AMOUNT)

    # -- a first-time citizen: the MyKey ID set up with the one signature -------------
    def consent_mykey(self) -> View:
        """With the citizen's consent: create the MyKey ID with the proof of the refused holder
        authentication (no second tap, no second PIN), under an Idempotency-Key journalled
        first (a retry after a lost answer sends the same key and body: created once); then
        on exactly like a login (balance, reserved points, amount)."""
        if self._phase is not Phase.MYKEY_CONSENT or self._v.proof is None:
            return self._view()
        if self._v.mykey_key is None:
            self._v.mykey_key = self.mykey_log.request()
        key = self._v.mykey_key
        challenge_id, certificate, signature = self._v.proof
        try:
            holder = self.cloud.create_mykey(challenge_id, certificate, signature, key)
        except CloudUnavailable as exc:  # the answer may be lost: the same key and proof try again
            self.mykey_log.note_error(key, exc.code)
            return self._set(Phase.MYKEY_CONSENT, Problem("mykey_unavailable"))
        except CloudError as exc:
            self.mykey_log.settle(key, "refused", error=exc.code)
            if isinstance(exc, (ChallengeExpired, MykeyNotProven)):  # the proof is spent or too old
                return self._restart(exc, Problem("mykey_tap_again"))  # a new tap proves again
            return self._restart(exc)
        self.mykey_log.settle(key, "created")
        self._v.proof, self._v.mykey_key, self._v.mykey_created = None, None, True
        end_visit(self.journal.store, "mykey_created")  # a set-up; the visit is counted when it ends
        self._v.holder = holder
        try:
            self._after_login()
        except CloudError as exc:
            return self._restart(exc)
        return self._set(Phase.AMOUNT)

    def decline_mykey(self) -> View:
        """No consent: nothing is sent, the proof is forgotten and the visit ends."""
        if self._phase is not Phase.MYKEY_CONSENT:
            return self._view()
        self._end_visit("mykey_declined")
        self._wipe()  # the proof goes with the visit
        return self._set(Phase.WAIT_MYNUMBER, Problem("mykey_declined"))

    def _after_login(self) -> None:
        """The holder is logged in: the balance, as after the PIN."""
        holder = self._v.holder
        if holder is not None and holder.balance is not None:  # sent with the token
            self._take_balance(holder.balance)
        else:
            self._load_balance()

    # -- reserved points: one confirmation, then assigned to the event ------------------
    def ask_reserved(self) -> View:
        """The citizen asks to add the reserved points: the consent screen (nothing sent yet)."""
        if self._phase is not Phase.AMOUNT or not self._offers_reserved():
            return self._view()
        return self._set(Phase.RESERVED)

    def decline_reserved(self) -> View:
        """No consent: back to the amount, nothing assigned. After a call whose answer was lost
        the balance is read again, so the screen shows what the cloud really holds."""
        if self._phase is not Phase.RESERVED:
            return self._view()
        if self._v.assign_key is not None:
            self._load_balance_quietly()
        return self._set(Phase.AMOUNT)

    def assign_reserved(self) -> View:
        """With the citizen's consent: the reserved points into a lot of the event, under an
        Idempotency-Key journalled first (a retry after a lost answer sends the same key and
        body: assigned once), then the balance is read again for the amount."""
        if self._phase is not Phase.RESERVED or self._v.holder is None:
            return self._view()
        holder = self._v.holder
        if self._v.assign_key is None:
            if not self._offers_reserved():
                return self._set(Phase.AMOUNT)
            row = self.reserved_log.request(self.event_id, holder.mykey_id, self._v.reserved)
            self._v.assign_key = row.key
        row = self.reserved_log.get(self._v.assign_key)
        try:
            answer = self.cloud.assign_reserved(holder, row.event_id, row.points, row.key)
        except CloudUnavailable as exc:  # the answer may be lost: the same key tries again
            self.reserved_log.note_error(row.key, exc.code)
            return self._set(Phase.RESERVED, Problem("reserved_unavailable"))
        except CloudError as exc:
            self.reserved_log.settle(row.key, "refused", error=exc.code)
            self._v.assign_key = None
            if isinstance(exc, EventClosed):
                self._v.issuing_closed = True
            self._load_balance_quietly()
            code = "reserved_closed" if isinstance(exc, EventClosed) else "reserved_refused"
            return self._set(Phase.AMOUNT, Problem(code))
        self.reserved_log.settle(row.key, "assigned", lot_id=str(answer["lot"]["lot_id"]))
        self._v.assign_key = None
        self._v.assigned += row.points
        try:
            self._load_balance()
        except CloudError as exc:
            return self._restart(exc)
        return self._set(Phase.AMOUNT)

    def _issuing(self) -> bool:
        if self._v.issuing_closed:
            return False
        return self.issue_until is None or self.journal.clock() < self.issue_until

    def _offers_reserved(self) -> bool:
        return self._v.reserved > 0 and self._issuing()

    def choose_amount(self, raw: object, *, clerk: str | None = None, reason: str | None = None) -> View:
        """Validate the amount; `clerk` names the clerk (staff id) who approved an amount above the
        threshold, `reason` says why (audited with it)."""
        if self._phase not in (Phase.AMOUNT, Phase.CONFIRM):
            return self._view()
        limits = AmountLimits(self._v.usable, None, self.card_upper_limit, self.clerk_threshold)
        try:
            points = validate_amount(raw, limits, clerk_approved=clerk is not None)
        except AmountError as exc:
            return self._set(Phase.AMOUNT, problem_for(exc))
        if clerk is not None and points > self.clerk_threshold:
            detail = {"clerk": clerk, "points": points} | ({"reason": reason} if reason else {})
            audit.append(self.journal.store, "clerk", "approve_amount", detail)
        self._v.quote = quote(points)
        return self._set(Phase.CONFIRM)

    def confirm(self) -> View:
        """Hold the points in the cloud under a fresh, journalled exchange id."""
        if self._phase is not Phase.CONFIRM or self._v.quote is None or self._v.holder is None:
            return self._view()
        exchange_id = str(uuid.uuid4())
        q = self._v.quote
        self.journal.create(
            exchange_id,
            self.event_id,
            Step.HOLD_REQUESTED,
            mykey_id=self._v.holder.mykey_id,
            points=q.points_used,
            fee=q.fee,
            loaded=q.loaded,
        )
        self._v.exchange_id = exchange_id
        try:
            self.cloud.hold(self._v.holder, exchange_id, self.event_id, q.points_used)
        except InsufficientPoints as exc:
            self._cancel_quietly("insufficient points")
            self._load_balance_quietly()
            return self._set(Phase.AMOUNT, problem_for(exc))
        except CloudError as exc:
            self._cancel_quietly("hold failed")
            return self._restart(exc)
        self.journal.advance(exchange_id, Step.HELD)
        return self._set(Phase.TAP_BREKA)

    def cancel(self, reason: str = "holder cancelled") -> View:
        """The holder or clerk stops before any card write; releases the hold."""
        if self._phase is Phase.TAP_BREKA and self._v.exchange_id:
            row = self.journal.get(self._v.exchange_id)
            if row.state is Step.LOAD_INTENT:
                return self._set(Phase.TAP_BREKA, Problem("tap_same_card_again"))
        self._cancel_quietly(reason)
        left = "timed_out" if reason == "idle timeout" else "cancelled_by_citizen"
        if self._phase is Phase.MYKEY_CONSENT and reason != "idle timeout":
            left = "mykey_declined"  # "stop" on the consent screen is a refusal
        self._end_visit(self._v.nothing_to_exchange or left)
        self._wipe()
        return self._view()

    def interrupt(self) -> None:
        """From another thread: stop waiting for the cloud now (a cancel, the idle wipe,
        shutdown). The event in progress fails fast as "unavailable" and unwinds by its
        usual path; what it journalled is settled by recovery (cloud calls are idempotent)."""
        self.cloud.interrupt()

    def resume(self) -> None:
        """The interrupted event has ended: cloud calls may wait again."""
        self.cloud.resume()

    def reset(self) -> View:
        """Idle timeout or "start over": cancel what can be cancelled and wipe everything. A load
        that waits for its card is parked instead: the next citizen is served meanwhile."""
        self.reader_reserved = False  # a correction left by the idle wipe gives the reader back
        if self._phase is Phase.TAP_BREKA and self._v.exchange_id:
            row = self.journal.get(self._v.exchange_id)
            if row.state is Step.LOAD_INTENT:
                return self._park(row.exchange_id)
            self.cancel("idle timeout")  # the hold is released: the next screen says so
            return self._set(Phase.WAIT_MYNUMBER, Problem("idle_cancelled"))
        return self.cancel("idle timeout")

    def clerk_cancel(self, exchange_id: str, reason: str, clerk: str) -> tuple[str, View | None]:
        """A clerk ends an unfinished exchange. One that waits for its card needs that card on the
        reader (its log decides: loaded -> finished, not loaded -> cancelled); CardNeeded otherwise.
        Returns the outcome and, when the citizen's screen showed that exchange, its new view."""
        row = self.journal.get(exchange_id)
        if row.state is Step.LOAD_INTENT:
            outcome = self._settle_on_reader(exchange_id, reason, clerk)
        else:
            self.finisher.cancel_by_clerk(exchange_id, reason, clerk)
            outcome = "cancelled"
        if self._v.exchange_id != exchange_id:
            return outcome, None
        self._v.exchange_id = None  # ended: nothing of it may be cancelled or loaded again from here
        self._end_visit("completed" if outcome == "committed" else "card_trouble")  # the load was cut off
        self._wipe()
        code = "completed_by_clerk" if outcome == "committed" else "cancelled_by_clerk"
        return outcome, self._set(Phase.WAIT_MYNUMBER, Problem(code))

    def _settle_on_reader(self, exchange_id: str, reason: str, clerk: str) -> str:
        try:
            conn = self.reader.connect()
        except card_errors.CardError as exc:
            raise CardNeeded(exchange_id) from exc
        try:
            if identify(conn).kind is not CardKind.BREKA:
                raise CardNeeded(exchange_id)
            return settle_with_card(
                conn, self.keys.load_master(), self.journal, self.finisher, exchange_id, reason, clerk
            )
        finally:
            conn.close()

    def _park(self, exchange_id: str) -> View:
        """The load waits for its card (only its log can settle it): the exchange stays in the
        journal and is finished whenever that card is tapped; the screen asks for the staff."""
        log.info("exchange %s parked: waits for its Breka card", exchange_id)
        self._v.exchange_id = None  # parked, not cancelled
        self._end_visit("timed_out")
        self._wipe()
        return self._set(Phase.WAIT_MYNUMBER, Problem("load_waits_for_card", {"number": short_number(exchange_id)}))

    @property
    def view(self) -> View:
        return self._view()

    # -- the card steps ----------------------------------------------------------------
    def _mynumber_tapped(self) -> View:
        try:
            conn = self.reader.connect()
        except card_errors.CardError as exc:
            return self._set(Phase.WAIT_MYNUMBER, problem_for(exc))
        try:
            ident = identify(conn)
            if ident.kind is CardKind.BREKA:
                return self._breka_instead_of_mynumber(conn)
            if ident.kind is not CardKind.MYNUMBER:
                conn.close()
                return self._set(Phase.WAIT_MYNUMBER, Problem("unknown_card"))
            session = ident.session
            if not isinstance(session, MyNumberSession):
                raise card_errors.CardError("identify gave a My Number Card without its session")
            self._v.conn, self._v.session = conn, session
            self._v.started = True
            # The certificate (free to read) before the PIN prompt, and before the tries query,
            # so that VERIFY follows the query directly and reuses its answer (no second query).
            self._v.certificate = session.read_auth_certificate()
            self._v.tries_left = session.tries_left()
        except card_errors.CardError as exc:
            self._close_card(conn)
            self._end_visit("card_trouble")  # counted only when it was a My Number Card
            self._v = Visit()
            return self._set(Phase.WAIT_MYNUMBER, problem_for(exc))
        if self._v.tries_left == 0:
            self._close_card()
            self._end_visit("pin_locked")
            return self._set(Phase.LOCKED, Problem("pin_locked"))
        view = self._set(Phase.PIN)
        self._prefetch_challenge()  # after the PIN screen is up: nothing there waits for the cloud
        return view

    def _prefetch_challenge(self) -> None:
        self._v.challenge = PrefetchedChallenge(self.cloud.challenge)

    def wait_prefetch(self, timeout: float = 30.0) -> bool:
        """Tests and benchmarks, standing in for the citizen's typing: the challenge fetched
        during PIN entry has arrived (or failed)."""
        pending = self._v.challenge
        return pending is None or pending.wait(timeout)

    def _fresh_challenge(self) -> Challenge:
        """The prefetched challenge if it came and is young enough (the cloud's last 5 minutes), else a new one."""
        pending, self._v.challenge = self._v.challenge, None
        challenge = pending.take(CHALLENGE_MAX_AGE_S) if pending is not None else None
        return challenge if challenge is not None else self.cloud.challenge()

    def _breka_instead_of_mynumber(self, conn: Connection) -> View:
        """A Breka card at the start: finish its unfinished exchanges, else ask for My Number."""
        try:
            session = open_for_load(conn, self.keys.load_master())
            report = resolve_card(session, self.journal, self.finisher)
            corrections = self.reversals.settle_from_card(session) if self.reversals is not None else None
        except (card_errors.CardError, CloudError) as exc:
            return self._set(Phase.WAIT_MYNUMBER, problem_for(exc))
        finally:
            conn.close()
        done = tuple(report.committed + report.cancelled)
        if done:
            self._v.finished_pending = done
        if corrections is not None and (problem := _correction_problem(corrections)) is not None:
            return self._set(Phase.WAIT_MYNUMBER, problem)
        if done:
            return self._set(Phase.WAIT_MYNUMBER, Problem("pending_finished", {"count": len(done)}))
        return self._set(Phase.WAIT_MYNUMBER, Problem("mynumber_first"))

    def _breka_tapped(self) -> View:
        try:
            conn = self.reader.connect()
        except card_errors.CardError as exc:
            return self._set(Phase.TAP_BREKA, problem_for(exc))
        try:
            ident = identify(conn)
            if ident.kind is CardKind.MYNUMBER:
                conn.close()
                return self._set(Phase.TAP_BREKA, Problem("breka_not_mynumber"))
            if ident.kind is not CardKind.BREKA:
                conn.close()
                return self._set(Phase.TAP_BREKA, Problem("unknown_card"))
            return self._load_onto(conn)
        except card_errors.CardError as exc:
            self._close_card(conn)
            return self._set(Phase.TAP_BREKA, problem_for(exc))

    def _current(self) -> str:
        """The id of the exchange this visit holds (only called at the steps that have one)."""
        if self._v.exchange_id is None:
            raise RuntimeError(f"no exchange at {self._phase.value}")
        return self._v.exchange_id

    def _load_onto(self, conn: Connection) -> View:
        row = self.journal.get(self._current())
        if row.state.final:  # a clerk ended it while the screen waited for the card
            conn.close()
            self._v.exchange_id = None
            self._end_visit("completed" if row.state is Step.COMMITTED else "card_trouble")
            self._wipe()
            code = "completed_by_clerk" if row.state is Step.COMMITTED else "cancelled_by_clerk"
            return self._set(Phase.WAIT_MYNUMBER, Problem(code))
        card = open_for_load(conn, self.keys.load_master())
        uid_hex = card.uid.hex()
        ref = self.keys.card_ref(uid_hex)
        if row.state is Step.LOAD_INTENT and not row.holds_card(ref, uid_hex):
            conn.close()
            return self._set(Phase.TAP_BREKA, Problem("tap_same_card_again"))
        others = {r.exchange_id for r in self.journal.waiting_for_card(ref, uid_hex)} - {row.exchange_id}
        try:
            balance_after = load(
                card,
                uuid.UUID(row.exchange_id),
                row.figures()[3],
                ExchangeLoadJournal(self.journal, self.keys.card_ref),
                terminal_no=self.terminal_no,
                clock=lambda: self.journal.clock().timestamp(),
                check=lambda records: flag_cancelled_loads(records, self.journal),
            )
        except LoadOutcomeUnknown:
            conn.close()
            return self._set(Phase.TAP_BREKA, Problem("tap_same_card_again"))
        except LoadOutcomeUnprovable:
            conn.close()  # the card cannot say: keep the hold, load nothing, hand it to the clerk
            flag_unprovable([row.exchange_id], self.journal)
            return self._park(row.exchange_id)
        except BoundaryError as exc:
            conn.close()
            self._cancel_quietly("card full")
            self._end_visit("card_trouble")
            return self._set(Phase.FAILED, problem_for(exc))
        conn.close()
        if others:  # parked loads of this card, settled from its log by load(): finish them too
            recover(self.journal, self.finisher, only=others)
        return self._commit(balance_after)

    def _commit(self, balance_after: int) -> View:
        row = self.journal.get(self._current())
        record_id, pending = None, False
        if self.background is not None:  # `loaded` is durable: the journal finishes it
            view = self._done(row.exchange_id, balance_after, None, False)
            self.background.submit(row.exchange_id)  # after the done view: nobody waits for it
            return view
        try:
            record_id = self.finisher.commit(row)["record_id"]
        except CloudError as exc:
            # The points are on the card: the citizen is done; the commit is retried later.
            log.warning("commit of %s postponed: %s", row.exchange_id, exc.code)
            self.journal.note_error(row.exchange_id, exc.code)
            pending = True
        return self._done(row.exchange_id, balance_after, record_id, pending)

    def _done(self, exchange_id: str, balance_after: int, record_id: str | None, pending: bool) -> View:
        row = self.journal.get(exchange_id)
        mykey_id, points, fee, loaded = row.figures()
        left, nearest = after_exchange(self._v.lots, self._v.usable, points, self.event_id)
        self._v.receipt = Receipt(
            row.exchange_id,
            mykey_id,
            points,
            fee,
            loaded,
            row.balance_before or 0,
            balance_after,
            self.journal.clock().isoformat(timespec="seconds"),
            record_id,
            pending,
            reserved_assigned=self._v.assigned,
            points_left=left,
            nearest_expiry=nearest,
        )
        self._v.holder = None
        self._end_visit("completed")
        return self._set(Phase.DONE)

    # -- plumbing ----------------------------------------------------------------------
    def _load_balance(self) -> None:
        if self._v.holder is None:
            raise RuntimeError("no holder to ask the balance for")
        self._take_balance(self.cloud.balance(self._v.holder))

    def _take_balance(self, balance: dict[str, Any]) -> None:
        """The ONE place a (checked) balance answer becomes the visit's figures: with the
        holder's token after the PIN, or re-read (GET /v1/holder/balance) later."""
        now = self.journal.clock()
        self._v.usable = int(balance["usable"])
        self._v.reserved_lots = lot_views(balance.get("reserved", []), now)
        self._v.reserved = sum(r.points for r in self._v.reserved_lots)
        self._v.lots = lot_views(balance["lots"], now)
        if self._v.usable <= 0:  # whatever the citizen does next, this visit cannot exchange
            self._v.nothing_to_exchange = "reserved_only" if self._v.reserved > 0 else "no_usable_points"
        else:
            self._v.nothing_to_exchange = None

    def _load_balance_quietly(self) -> None:
        try:
            self._load_balance()
        except CloudError:
            pass

    def _cancel_quietly(self, reason: str) -> None:
        if not self._v.exchange_id:
            return
        try:
            self.finisher.cancel(self.journal.get(self._v.exchange_id), reason)
        except CloudError as exc:  # stays cancel_requested; recovery finishes it
            log.warning("cancel of %s postponed: %s", self._v.exchange_id, exc.code)
        except ValueError:
            pass  # a load may have happened: only the card can settle it
        self._v.exchange_id = None

    def _restart(self, exc: BaseException, problem: Problem | None = None) -> View:
        """A failure before anything was held (or with the hold released): start over."""
        problem = problem or problem_for(exc)
        self._close_card()
        self._cancel_quietly(problem.code)
        self._end_visit(outcome_for(exc))
        self._wipe(keep_problem=problem)
        phase = Phase.FAILED if isinstance(exc, CloudError) else Phase.WAIT_MYNUMBER
        return self._set(phase, problem)

    def _end_visit(self, outcome: str) -> None:
        """Count how this visit ended, once (anonymous, per month: kiosk.store.visits)."""
        if self._v.started and not self._v.ended:
            self._v.ended = True
            end_visit(self.journal.store, outcome)

    def _close_card(self, conn: Connection | None = None) -> None:
        for c in {id(x): x for x in (conn, self._v.conn) if x is not None}.values():
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing a removed card may fail; nothing to do
                pass
        self._v.conn, self._v.session = None, None

    def _wipe(self, keep_problem: Problem | None = None) -> None:
        """Forget the citizen: the whole visit is replaced, so nothing of it can linger."""
        self._close_card()
        self._phase, self._problem = Phase.WAIT_MYNUMBER, keep_problem
        self._v = Visit()

    def _set(self, phase: Phase, problem: Problem | None = None) -> View:
        self._phase, self._problem = phase, problem
        view = self._view()
        if self.listener is not None:
            self.listener(view)
        return view

    def _view(self) -> View:
        q = self._v.quote
        return View(
            phase=self._phase,
            problem=self._problem,
            tries_left=self._v.tries_left,
            mykey_id=self._v.holder.mykey_id
            if self._v.holder
            else (self._v.receipt.mykey_id if self._v.receipt else None),
            lots=self._v.lots,
            usable=self._v.usable,
            reserved=self._v.reserved,
            reserved_lots=self._v.reserved_lots,
            reserved_offer=self._offers_reserved(),
            issuing_closed=not self._issuing(),
            assigned=self._v.assigned,
            points=q.points_used if q else None,
            fee=q.fee if q else None,
            loaded=q.loaded if q else None,
            exchange_id=self._v.exchange_id,
            receipt=self._v.receipt,
            finished_pending=self._v.finished_pending,
            mykey_created=self._v.mykey_created,
        )


def _correction_problem(settled: CardSettlement) -> Problem | None:
    """What the start screen says after a tap settled a torn correction: the staff are needed
    when it was not debited (to be made again) or cannot be told; else it is finished."""
    if settled.not_done or settled.unprovable:
        return Problem("correction_needs_staff")
    if settled.debited:
        return Problem("correction_finished", {"count": len(settled.debited)})
    return None
