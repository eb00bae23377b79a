"""A stateful property test of the money path: random interleavings of counter events at two
terminals that share one cloud, and after every step the books are checked.

The machine (`MoneyMachine`, hypothesis' RuleBasedStateMachine) drives two kiosks, each
built with `kiosk.app.build(cfg)` on its own SQLite file (engine, journal, outbox) and its
own terminal in the ONE cloud simulator process, three citizens (My Number Cards) and two
Breka cards, through:

- a citizen tapping the My Number Card and entering the PIN (right, wrong, or walking away),
  choosing an amount, confirming (the hold), cancelling;
- Breka taps at any screen, torn at the N-th APDU (card removed before the card acts on it,
  or after it acted but before the answer left);
- cloud faults scoped to one event (error, lost reply, malformed 200 answer; before or after
  the ledger acted; once, or more often than the client retries) on the hold, commit and
  cancel calls, and on the authentication reads;
- SIGKILL-equivalent crashes at any journal step (the journal's crash point raises, the
  engine is dropped mid-event, the parts are rebuilt from the same files and the start-up
  recovery runs), plain restarts, `kiosk exchanges recover`, idle timeouts (which park a
  load that waits for its card), clerk cancels with and without a card on the reader;
- "end of day": faults cleared, every terminal reset and recovered, every card with a
  pending load tapped at the start screen.

After every step: for each holder, the cloud's usable points plus the points of this run's
exchanges the cloud holds or committed equal what was issued; every load on a card is in
exactly one card's log once, and the cards' balances grew by exactly the loads; no load for
an exchange cancelled in the cloud (and no such alert); cloud and journal never contradict
each other (committed <-> commit_requested/committed, cancelled <-> cancel_requested/
cancelled, a load on a card is never "not loaded"); a final journal state never changes; the
outbox holds one record per committed exchange, with its figures. At end of day, and at the
end of every run: every exchange is final, committed in the cloud exactly when the journal
says so and its card has it, so the cards hold exactly the `loaded` of the committed ones.

Transport: most card events go over in-process links (`CounterReader` below: the same
virtual cards as vpcd serves, with the same tear semantics) because a real pcscd round trip
with the card swap costs up to a second (pcscd polls vpcd about every 0.4 s); a fraction of the My Number and Breka taps
(KIOSK_STATEFUL_PCSC, default 0.15) go through the real pcscd + vpcd reader. The cloud is
always the real simulator process over HTTPS. The engine's cloud client is built as
`build()` builds it, with a short retry back-off (0.005 s) so that faults cost little.

CI runs a fixed, derandomized budget (25 runs of 40 steps, 95-110 s on this 2-core
machine; the same examples every time). A longer campaign draws new examples:

    KIOSK_STATEFUL_EXAMPLES=400 KIOSK_STATEFUL_STEPS=60 KIOSK_STATEFUL_SEED=1 \\
        QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -s -p no:cacheprovider \\
        tests/test_money_stateful.py

(about 20 minutes; another KIOSK_STATEFUL_SEED gives other examples, KIOSK_STATEFUL_PCSC=0.5
sends half the taps through pcscd, 0 none; `-s` prints what the runs reached).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import kiosk.exchange.journal as journal_mod
from kiosk import config as config_mod
from kiosk.app import Parts, build
from kiosk.cardio import errors as card_errors
from kiosk.cardio.breka import AID, LOG_FILE, LoadRecord
from kiosk.cardio.connection import Connection
from kiosk.exchange.finish import CardNeeded
from kiosk.exchange.journal import ExchangeRow, StepRefused
from kiosk.exchange.recovery import alerts, recover
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk.sync.cloud import CloudClient, HolderSession
from kiosk.sync.cloud_errors import CloudError, ExchangeNotFound
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.demo_env import DemoEnv
from kiosk_demo.demo_keyring import DemoFileKeyring
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import CardState
from tests.exchange_world import breka_balance, on_reader

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

CI_EXAMPLES, CI_STEPS = 25, 40
EXAMPLES = int(os.environ.get("KIOSK_STATEFUL_EXAMPLES") or CI_EXAMPLES)
STEPS = int(os.environ.get("KIOSK_STATEFUL_STEPS") or CI_STEPS)
PCSC_SHARE = float(os.environ.get("KIOSK_STATEFUL_PCSC") or 0.15)
SEED = os.environ.get("KIOSK_STATEFUL_SEED")
CITIZENS, BREKA_CARDS, TERMINALS = 3, 2, 2
PIN = "1234"
MID_VISIT = {Phase.AMOUNT, Phase.CONFIRM, Phase.TAP_BREKA}


# -- the reader: in-process links with vpcd's tear semantics, or the real pcscd ------------------


class Gone:
    """One card placed on the reader: counts its APDUs (as a vpcd link does) for the tear."""

    def __init__(self, card, remove_after: int | None, mode: str) -> None:
        self.card, self.remove_after, self.mode = card, remove_after, mode
        self.apdus, self.gone = 0, False

    def leave(self) -> None:
        if not self.gone:
            self.gone = True
            self.card.power_off()


class TornLink(Connection):
    """An in-process connection to the placed card; the card leaves at the N-th APDU."""

    reader = "direct"

    def __init__(self, placed: Gone) -> None:
        self.placed = placed
        self.atr = placed.card.atr
        placed.card.power_on()

    def transmit_raw(self, apdu: bytes) -> bytes:
        p = self.placed
        if p.gone:
            raise card_errors.CardRemoved("the card left the reader")
        p.apdus += 1
        tear = p.remove_after is not None and p.apdus >= p.remove_after
        if tear and p.mode == "before":
            p.leave()
            raise card_errors.CardRemoved(f"card removed before APDU #{p.apdus}")
        answer = p.card.process(apdu)
        if tear:
            p.leave()
            raise card_errors.CardRemoved(f"card removed after APDU #{p.apdus}")
        return answer

    def close(self) -> None:
        if not self.placed.gone:
            self.placed.card.power_off()


class CounterReader:
    """The engine's Reader port: the card placed by the test, in-process or through pcscd."""

    def __init__(self, pcsc: PcscReader) -> None:
        self.pcsc = pcsc
        self.placed: Gone | None = None
        self.via_pcsc = False

    def connect(self) -> Connection:
        if self.via_pcsc:
            return self.pcsc.connect()
        if self.placed is None or self.placed.gone:
            raise card_errors.NoCard("no card on the reader")
        return TornLink(self.placed)

    def close(self) -> None:
        self.pcsc.close()


# -- trouble: cloud faults and crashes, each scoped to one event ----------------------------------


class Killed(BaseException):
    """SIGKILL at a journal step: nothing after it runs (no `except Exception` catches it)."""


_ARMED: list[tuple[str, Step]] = []


def _crash_point(step: Step, when: str = "AFTER") -> None:
    if _ARMED and _ARMED[0] == (when, step):
        _ARMED.clear()
        raise Killed(f"killed {when.lower()} {step.value}")


@dataclass(frozen=True)
class Fault:
    path: str
    kind: str
    phase: str
    count: int
    body: str = "{}"

    def spec(self) -> dict:
        spec = {"method": "POST", "phase": self.phase, "count": self.count}
        if self.kind == "answer":
            spec |= {"status": 200, "body": self.body}
        return spec


@dataclass(frozen=True)
class Crash:
    when: str
    step: Step


HOLD, COMMIT, CANCEL = "/v1/exchanges", "/v1/exchanges/*/commit", "/v1/exchanges/*/cancel"
READS = ["/v1/auth/challenge", "/v1/auth/holder"]  # the balance comes with the holder sign-in
KINDS = [("error", "before"), ("error", "after"), ("drop", "before"), ("drop", "after"), ("answer", "after")]
BODIES = ["{}", "null", '{"exchange_id": "x", "state": "held"}']


def faults(paths: list[str]) -> st.SearchStrategy[Fault]:
    return st.builds(
        lambda path, kp, count, body: Fault(path, kp[0], kp[1], count, body),
        st.sampled_from(paths),
        st.sampled_from(KINDS),
        st.sampled_from([1, 4]),  # 4: more than the client's three retries
        st.sampled_from(BODIES),
    )


def trouble(paths: list[str], steps: list[Step] | None = None) -> st.SearchStrategy[Fault | Crash | None]:
    """Most events run clean; the others meet one cloud fault or a crash at one of `steps`."""
    options = [st.none(), st.none(), faults(paths)]
    if steps:
        options.append(st.builds(Crash, st.sampled_from(["BEFORE", "AFTER"]), st.sampled_from(steps)))
    return st.one_of(*options)


HOLDING = [Step.HOLD_REQUESTED, Step.HELD, Step.CANCEL_REQUESTED, Step.CANCELLED]
LOADING = [Step.LOAD_INTENT, Step.LOADED, Step.NOT_LOADED, Step.COMMIT_REQUESTED, Step.COMMITTED, Step.CANCELLED]
FINISHING = [Step.LOADED, Step.NOT_LOADED, Step.COMMIT_REQUESTED, Step.COMMITTED, Step.CANCEL_REQUESTED, Step.CANCELLED]


MONEY = [HOLD, COMMIT, CANCEL]
via_pcsc = st.integers(0, 99).map(lambda n: n >= 100 - round(PCSC_SHARE * 100))  # shrinks to in-process
# A Breka tap is 11 APDUs: identify (2), UID, select, authenticate (2), log, balance, then the
# load's credit (9), record (10) and commit (11); 12 and 13 are never reached (no tear).
# The load's own commands are drawn more often: that is where a tear decides the outcome.
tears = st.none() | st.tuples(
    st.one_of(st.sampled_from([11, 10, 9, 12]), st.integers(1, 13)), st.sampled_from(["after", "before"])
)
amounts = st.one_of(st.sampled_from([500, 100, 11]), st.integers(1, 2_500))


# -- the shared stage: one cloud, one keyring, the citizens' cards --------------------------------


@dataclass
class Stage:
    root: Path
    cloud_url: str
    ca_dir: Path
    ca_bundle: str
    keyring_path: Path
    slot: object
    ctx: PcscContext
    citizens: list[tuple[Path, str]]  # My Number template file, MyKey ID
    runs: int = 0

    def use_keyring(self) -> None:
        keyring.set_keyring(DemoFileKeyring(self.keyring_path))


@pytest.fixture(scope="module")
def stage(world_dir, cloud, vpcd_slot):
    root = world_dir / "stateful"
    keyring_path = root / "demo-keyring.json"
    root.mkdir(exist_ok=True)
    previous = keyring.get_keyring()
    keyring.set_keyring(DemoFileKeyring(keyring_path))
    try:
        env = DemoEnv(root / "pool", ca_dir=world_dir / "jpki-ca")
        admin = env.provision(cloud.url, terminal_id=f"t-{uuid.uuid4().hex[:8]}", ca_bundle=str(cloud.verify))
        citizens = []
        for i in range(CITIZENS):  # RSA key generation is the slow part: once per module
            path = env.mynumber_card(f"citizen-{i}", PIN)
            citizens.append((path, admin.enrol(env.auth_cert_der(path))))
    finally:
        keyring.set_keyring(previous)
    yield Stage(
        root, cloud.url, world_dir / "jpki-ca", str(cloud.verify), keyring_path, vpcd_slot, PcscContext(), citizens
    )


STAGE: list[Stage] = []
STATS: Counter[str] = Counter()  # what the runs reached, printed at the end (pytest -s)


# -- one terminal --------------------------------------------------------------------------------


class Terminal:
    def __init__(self, stage: Stage, root: Path) -> None:
        self.stage = stage
        self.env = DemoEnv(root, ca_dir=stage.ca_dir)
        self.admin = self.env.provision(
            stage.cloud_url, terminal_id=f"t-{uuid.uuid4().hex[:8]}", ca_bundle=stage.ca_bundle
        )
        self.cfg = config_mod.load(self.env.config_path)
        self.cfg.values["reader"]["name"] = stage.slot.reader
        self.cfg.values["cloud"]["timeout_s"] = 2
        self.checker = CloudClient.from_config(self.cfg, backoff_s=0.005)  # the test's own eyes
        self.parts: Parts = self._build()
        self.final: dict[str, Step] = {}  # final journal states seen: they never change

    def _build(self) -> Parts:
        """What `kiosk run` does at start-up: the parts from the configuration."""
        pcsc = PcscReader(self.stage.slot.reader, PcscContext())
        cloud = CloudClient.from_config(self.cfg, backoff_s=0.005)
        return build(self.cfg, reader=CounterReader(pcsc), cloud=cloud)

    @property
    def engine(self):
        return self.parts.engine

    @property
    def reader(self) -> CounterReader:
        return self.parts.reader  # type: ignore[return-value]

    def restart(self) -> None:
        """SIGKILL-equivalent: the engine and its memory are dropped, the files stay."""
        self.parts.close()
        self.parts = self._build()

    def rows(self) -> dict[str, ExchangeRow]:
        ids = [r["exchange_id"] for r in self.parts.store.query("SELECT exchange_id FROM exchanges")]
        return {i: self.parts.journal.get(i) for i in ids}

    def outbox_ids(self) -> list[str]:
        return [r["exchange_id"] for r in self.parts.store.query("SELECT exchange_id FROM outbox")]

    def close(self) -> None:
        self.parts.close()
        self.checker.close()


# -- the machine ---------------------------------------------------------------------------------


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        stage = STAGE[0]
        stage.runs += 1
        stage.use_keyring()
        self.stage = stage
        self.root = stage.root / f"run-{stage.runs}"
        shutil.rmtree(self.root, ignore_errors=True)
        self.terminals = [Terminal(stage, self.root / f"terminal-{i}") for i in range(TERMINALS)]
        self.admin = self.terminals[0].admin
        cards = self.root / "cards"
        cards.mkdir(parents=True, exist_ok=True)
        self.mynumbers, self.states, self.mykeys = [], [], []
        for i, (template, mykey) in enumerate(stage.citizens):
            copy = cards / f"citizen-{i}.mynumber.json"  # fresh PIN counters, the same holder
            shutil.copyfile(template, copy)
            self.mynumbers.append(MyNumberCard.open(copy))
            self.states.append(CardState.load(copy))
            self.mykeys.append(mykey)
        self.brekas = [BrekaCard.open(self.terminals[0].env.breka_card(f"breka-{i}")) for i in range(BREKA_CARDS)]
        self.initial = [breka_balance(c) for c in self.brekas]
        self.commits = [c.commits for c in self.brekas]
        self.tokens: dict[int, HolderSession] = {}
        self.baseline = [self._usable(i) for i in range(CITIZENS)]  # the holders carry earlier runs
        self.issued = [0] * CITIZENS
        self.loads: dict[str, int] = {}  # load id -> loaded, every load seen on a card this run
        self.card_of: dict[str, int] = {}
        self.cloud_final: dict[str, str] = {}
        self.broken = False

    # -- set-up ----------------------------------------------------------------------------------
    @initialize(points=st.lists(st.sampled_from([3_000, 700, 0]), min_size=CITIZENS, max_size=CITIZENS))
    def issue_points(self, points):
        for i, p in enumerate(points):
            if p:
                self.admin.issue(self.mykeys[i], p)
                self.issued[i] += p

    # -- plumbing --------------------------------------------------------------------------------
    @contextmanager
    def _guard(self, name: str):
        STATS[f"rule {name}"] += 1
        try:
            yield
        except BaseException:
            self.broken = True
            raise

    @contextmanager
    def placed(self, t: Terminal, card, pcsc: bool, tear=None):
        """`card` on terminal t's reader for the block; removed (and the engine told) after."""
        insert = {"remove_after": tear[0], "remove_mode": tear[1]} if tear else {}
        reader = t.reader
        if pcsc:
            reader.via_pcsc = True
            try:
                with on_reader(card, self.stage.slot, self.stage.ctx, **insert) as holder:
                    yield
                    if insert:
                        holder.wait_removed(timeout=2.0)
            finally:
                reader.via_pcsc = False
        else:
            reader.placed = Gone(card, *(tear or (None, "before")))
            try:
                yield
            finally:
                reader.placed.leave()
                reader.placed = None

    def act(self, i: int, event, trouble=None, card=None, pcsc: bool = False, tear=None):
        """One counter event at terminal i, with at most one fault or crash armed for it."""
        t = self.terminals[i]
        if trouble is not None:
            STATS[type(trouble).__name__.lower()] += 1
        STATS["pcsc tap"] += bool(card is not None and pcsc)
        STATS["tear"] += bool(tear)
        if isinstance(trouble, Fault):
            t.admin.fault(trouble.path, trouble.kind, **trouble.spec())
        if isinstance(trouble, Crash):
            _ARMED[:] = [(trouble.when, trouble.step)]
        view = None
        try:
            if card is None:
                view = event(t)
            else:
                with self.placed(t, card, pcsc, tear):
                    view = event(t)
        except Killed:
            STATS["killed"] += 1
            self.crashed(i)
        finally:
            _ARMED.clear()
            if isinstance(trouble, Fault):
                t.admin.clear_faults()
        if card is not None:
            self.terminals[i].engine.card_removed()  # the reader monitor tells the engine
        if hasattr(view, "phase"):
            STATS[f"view {view.phase.value}" + (f" {view.problem.code}" if view.problem else "")] += 1
        return view

    def crashed(self, i: int) -> None:
        """The process died: rebuild from the same files, then the start-up recovery."""
        self.terminals[i].restart()
        try:
            recover(self.terminals[i].parts.journal, self.terminals[i].parts.finisher)
        except Killed:  # pragma: no cover - nothing is armed any more
            raise AssertionError("crash point hit twice") from None

    def _eligible(self, i: int, phases: set[Phase]) -> int | None:
        for j in (i, 1 - i):
            if self.terminals[j].engine.view.phase in phases:
                return j
        return None

    # -- the citizen -----------------------------------------------------------------------------
    @rule(
        i=st.integers(0, TERMINALS - 1),
        c=st.integers(0, CITIZENS - 1),
        pin=st.sampled_from([PIN, PIN, PIN, "0000", None]),
        pcsc=via_pcsc,
        trouble=st.none() | st.none() | faults(READS).map(lambda f: Fault(f.path, f.kind, f.phase, 2)),
    )
    def citizen_taps_mynumber(self, i, c, pin, pcsc, trouble):
        def event(t):
            view = t.engine.card_tapped()
            if pin is not None and t.engine.view.phase is Phase.PIN:
                view = t.engine.enter_pin(pin)
            return view

        with self._guard("citizen_taps_mynumber"):
            self.act(i, event, trouble, card=self.mynumbers[c], pcsc=pcsc)

    visit = dict(
        i=st.integers(0, TERMINALS - 1),
        c=st.integers(0, CITIZENS - 1),
        amount=amounts,
        b=st.integers(0, BREKA_CARDS - 1),
        stop=st.sampled_from([None, None, "breka"]),
        tear=tears,
        pcsc=via_pcsc,
        at=st.sampled_from(["confirm", "breka"]),
        trouble=trouble(MONEY, HOLDING + LOADING),
    )

    def _visit(self, i, c, amount, b, stop, tear, pcsc, at, trouble):
        """A whole visit in one step (the granular rules alone rarely get that far): PIN, amount,
        hold, Breka tap, the trouble armed at the hold or at the tap; or it stops at the tap."""
        t = self.terminals[i]
        if t.engine.view.phase in (Phase.AMOUNT, Phase.CONFIRM, Phase.TAP_BREKA):
            return  # someone else's visit is under way at this counter

        def authenticate(t):
            t.engine.card_tapped()
            return t.engine.enter_pin(PIN) if t.engine.view.phase is Phase.PIN else t.engine.view

        self.act(i, authenticate, card=self.mynumbers[c], pcsc=pcsc)
        if self.terminals[i].engine.view.phase is not Phase.AMOUNT:
            return
        self.terminals[i].engine.choose_amount(amount)
        if self.terminals[i].engine.view.phase is not Phase.CONFIRM:
            return
        self.act(i, lambda t: t.engine.confirm(), trouble if at == "confirm" else None)
        if self.terminals[i].engine.view.phase is not Phase.TAP_BREKA or stop == "breka":
            return
        breka_trouble = trouble if at == "breka" else None
        self.act(i, lambda t: t.engine.card_tapped(), breka_trouble, self.brekas[b], pcsc, tear)

    @rule(**visit)
    def citizen_visits(self, **kw):
        with self._guard("citizen_visits"):
            self._visit(**kw)

    @rule(**visit)
    def another_citizen_visits(self, **kw):
        with self._guard("another_citizen_visits"):
            self._visit(**kw)

    @rule(i=st.integers(0, TERMINALS - 1), amount=amounts)
    def chooses_amount(self, i, amount):
        with self._guard("chooses_amount"):
            j = self._eligible(i, {Phase.AMOUNT, Phase.CONFIRM})
            if j is not None:
                self.terminals[j].engine.choose_amount(amount)

    @rule(i=st.integers(0, TERMINALS - 1), trouble=trouble([HOLD, CANCEL], HOLDING))
    def confirms(self, i, trouble):
        with self._guard("confirms"):
            j = self._eligible(i, {Phase.CONFIRM})
            if j is not None:
                self.act(j, lambda t: t.engine.confirm(), trouble)

    @rule(i=st.integers(0, TERMINALS - 1), trouble=trouble([CANCEL], [Step.CANCEL_REQUESTED, Step.CANCELLED]))
    def holder_cancels(self, i, trouble):
        with self._guard("holder_cancels"):
            j = self._eligible(i, MID_VISIT)
            self.act(i if j is None else j, lambda t: t.engine.cancel(), trouble)

    @rule(
        i=st.integers(0, TERMINALS - 1),
        anywhere=st.booleans(),
        b=st.integers(0, BREKA_CARDS - 1),
        tear=tears,
        pcsc=via_pcsc,
        trouble=trouble(MONEY, LOADING),
    )
    def taps_breka(self, i, anywhere, b, tear, pcsc, trouble):
        """At the screen that asks for it, or (anywhere) at whatever screen terminal i shows."""
        with self._guard("taps_breka"):
            j = None if anywhere else self._eligible(i, {Phase.TAP_BREKA})
            self.act(i if j is None else j, lambda t: t.engine.card_tapped(), trouble, self.brekas[b], pcsc, tear)

    # -- the kiosk and the staff -----------------------------------------------------------------
    @rule(i=st.integers(0, TERMINALS - 1), trouble=trouble([CANCEL], [Step.CANCEL_REQUESTED, Step.CANCELLED]))
    def idle_timeout(self, i, trouble):
        """The citizen walked away: cancel, or park a load that waits for its card."""
        with self._guard("idle_timeout"):
            j = self._eligible(i, MID_VISIT)
            self.act(i if j is None else j, lambda t: t.engine.reset(), trouble)

    @rule(
        i=st.integers(0, TERMINALS - 1),
        pick=st.integers(0, 5),
        b=st.none() | st.integers(0, BREKA_CARDS - 1),
        trouble=trouble([COMMIT, CANCEL], FINISHING),
    )
    def clerk_cancels(self, i, pick, b, trouble):
        with self._guard("clerk_cancels"):
            t = self.terminals[i]
            open_ = t.parts.journal.unfinished()
            if not open_:
                return
            row = open_[pick % len(open_)]

            def event(t):
                try:
                    return t.engine.clerk_cancel(row.exchange_id, "holder left", "sato")
                except CardNeeded:
                    assert row.state is Step.LOAD_INTENT, f"card needed for a {row.state.value} exchange"
                except ValueError as exc:  # refused: a load may have happened, the cloud must commit
                    assert not isinstance(exc, StepRefused), exc
                    assert row.state in (Step.LOADED, Step.COMMIT_REQUESTED), (row.state, exc)
                except CloudError:
                    pass  # the cloud did not answer: the exchange stays open, recovery finishes it
                return None

            if b is None and row.state is Step.LOAD_INTENT:
                before = t.parts.journal.get(row.exchange_id).state
                self.act(i, event, trouble)
                assert t.parts.journal.get(row.exchange_id).state is before  # nobody's word settles a load
            else:
                self.act(i, event, trouble, card=None if b is None else self.brekas[b])

    @rule(i=st.integers(0, TERMINALS - 1), trouble=trouble([COMMIT, CANCEL]))
    def restarts(self, i, trouble):
        """Power cut between events: rebuilt from the files, start-up recovery (maybe faulted)."""
        with self._guard("restarts"):
            self.terminals[i].restart()
            self.act(i, lambda t: recover(t.parts.journal, t.parts.finisher), trouble)

    @rule(i=st.integers(0, TERMINALS - 1), trouble=trouble([COMMIT, CANCEL], FINISHING))
    def recovers(self, i, trouble):
        """`kiosk exchanges recover`."""
        with self._guard("recovers"):
            self.act(i, lambda t: recover(t.parts.journal, t.parts.finisher), trouble)

    @rule()
    def end_of_day(self):
        with self._guard("end_of_day"):
            self.settle_everything()

    def settle_everything(self) -> None:
        """No faults; every terminal reset and recovered; every card with a pending load tapped at
        the start screen. Then nothing may be left open."""
        self.admin.clear_faults()
        for i, t in enumerate(self.terminals):
            t.engine.reset()
            recover(t.parts.journal, t.parts.finisher)
            # the journal knows a card only by its keyed hash (card_ref)
            by_ref = {t.parts.finisher.keys.card_ref(c.uid.hex()): c for c in self.brekas}
            for row in t.parts.journal.waiting_for_card():
                self.act(i, lambda t: t.engine.card_tapped(), card=by_ref[row.card_ref or ""])
            report = recover(t.parts.journal, t.parts.finisher)
            assert not report.failed, report
            stuck = [(r.exchange_id, r.state.value, r.last_error) for r in t.parts.journal.unfinished()]
            assert not stuck, f"terminal {i}: exchanges stuck after end of day: {stuck}"
        self.check_books(at_rest=True)
        STATS["end of day"] += 1

    # -- the books -------------------------------------------------------------------------------
    def _usable(self, c: int) -> int:
        client = self.terminals[0].checker
        for _ in range(2):
            token = self.tokens.get(c)
            if token is None:
                from cryptography.hazmat.primitives import hashes
                from cryptography.hazmat.primitives.asymmetric import padding

                challenge = client.challenge()
                signature = (
                    self.states[c].private_key("auth").sign(challenge.nonce, padding.PKCS1v15(), hashes.SHA256())
                )
                token = client.authenticate_holder(challenge.challenge_id, self.states[c].der("auth_cert"), signature)
                self.tokens[c] = token
            try:
                return int(client.balance(token)["usable"])
            except CloudError:
                self.tokens.pop(c, None)  # expired: sign in again
        raise AssertionError("the checker cannot read the balance")

    def _cloud_states(self, t: Terminal, rows: dict[str, ExchangeRow]) -> dict[str, tuple[str, int | None]]:
        held = {e["exchange_id"]: e for e in t.checker.open_holds()}
        states: dict[str, tuple[str, int | None]] = {}
        for exchange_id in rows:
            if exchange_id in self.cloud_final:
                states[exchange_id] = (self.cloud_final[exchange_id], None)
            elif exchange_id in held:
                states[exchange_id] = ("held", held[exchange_id]["points"])
            else:
                try:
                    found = t.checker.exchange(exchange_id)
                    state, points = found["state"], found["points"]
                except ExchangeNotFound:
                    state, points = "absent", None
                if state in ("committed", "cancelled") or (state == "absent" and rows[exchange_id].state.final):
                    self.cloud_final[exchange_id] = state
                states[exchange_id] = (state, points)
        return states

    def _card_loads(self) -> None:
        """Every load on a card since the last step: once, and exactly what its balance grew by."""
        for k, card in enumerate(self.brekas):
            new = card.commits - self.commits[k]
            records = [LoadRecord.from_bytes(r) for r in card.state.applications[AID].files[LOG_FILE].records]
            assert new <= len(records), f"card {k}: {new} commits since the last step, {len(records)} records"
            for record in records[len(records) - new :] if new else []:
                load_id = str(record.load_id)
                assert load_id not in self.loads, f"load {load_id} on a card twice"
                self.loads[load_id], self.card_of[load_id] = record.delta, k
            self.commits[k] = card.commits
            grew = breka_balance(card) - self.initial[k]
            on_card = sum(d for load_id, d in self.loads.items() if self.card_of[load_id] == k)
            assert grew == on_card, f"card {k} grew by {grew}, its loads add up to {on_card}"

    @invariant()
    def books_balance(self):
        with self._guard("books_balance"):
            self.check_books(at_rest=False)

    def check_books(self, at_rest: bool) -> None:
        self._card_loads()
        out = [0] * CITIZENS
        committed: set[str] = set()
        for i, t in enumerate(self.terminals):
            rows = t.rows()
            cloud = self._cloud_states(t, rows)
            journal_committed = set()
            for exchange_id, row in rows.items():
                state, points = cloud[exchange_id]
                where = f"terminal {i}, exchange {exchange_id}: journal {row.state.value}, cloud {state}"
                if points is not None:
                    assert points == row.points, where
                if state in ("held", "committed"):
                    out[self.mykeys.index(row.mykey_id)] += row.points
                if state == "committed":
                    committed.add(exchange_id)
                    assert row.state in (Step.COMMIT_REQUESTED, Step.COMMITTED), where
                    assert exchange_id in self.loads, f"{where}: committed without a load on a card"
                if state == "cancelled":
                    assert row.state in (Step.CANCEL_REQUESTED, Step.CANCELLED), where
                    assert exchange_id not in self.loads, f"{where}: loaded on a card but cancelled"
                if row.state is Step.COMMITTED:
                    assert state == "committed", where
                if row.state is Step.CANCELLED:
                    assert state in ("cancelled", "absent"), where
                if row.state in (Step.LOADED, Step.COMMIT_REQUESTED, Step.COMMITTED):
                    assert exchange_id in self.loads, f"{where}: the journal says loaded, no card has it"
                if exchange_id in self.loads:
                    assert row.state in (Step.LOAD_INTENT, Step.LOADED, Step.COMMIT_REQUESTED, Step.COMMITTED), (
                        f"{where}: on a card"
                    )
                    assert self.loads[exchange_id] == row.loaded, where
                if row.state is Step.COMMITTED:
                    journal_committed.add(exchange_id)
                if row.state.final:
                    assert t.final.setdefault(exchange_id, row.state) is row.state, f"{where}: final state changed"
                if at_rest:
                    assert row.state.final, where
                    assert (state == "committed") == (row.state is Step.COMMITTED), where
            records = t.outbox_ids()
            assert sorted(records) == sorted(journal_committed), f"terminal {i}: outbox {records} != committed"
            for exchange_id in records:
                record, row = t.parts.outbox.record_for(exchange_id), rows[exchange_id]
                assert (record["points_used"], record["fee"], record["loaded"]) == (row.points, row.fee, row.loaded)
                assert record["mykey_id"] == row.mykey_id
            assert alerts(t.parts.journal) == [], f"terminal {i}: a load found for a cancelled exchange"
        unknown = set(self.loads) - {e for t in self.terminals for e in t.rows()}
        assert not unknown, f"loads on cards for exchanges no journal knows: {unknown}"
        for c in range(CITIZENS):
            usable = self._usable(c)
            assert usable + out[c] == self.baseline[c] + self.issued[c], (
                f"citizen {c}: usable {usable} + held/committed {out[c]} != "
                f"{self.baseline[c]} before + {self.issued[c]} issued"
            )
        if at_rest:
            assert set(self.loads) == committed, "at rest, the cards hold exactly the committed loads"

    def teardown(self) -> None:
        for t in self.terminals:
            for row in t.rows().values():
                STATS[f"exchange {row.state.value}"] += 1
        try:
            if not self.broken:
                self.settle_everything()
        finally:
            _ARMED.clear()
            self.admin.clear_faults()
            for t in self.terminals:
                t.close()


@pytest.mark.timeout(max(1_200, EXAMPLES * STEPS))  # shrinking a failure costs real round trips too
def test_money_is_never_created_or_lost(stage, monkeypatch):
    STAGE[:] = [stage]
    monkeypatch.setattr(journal_mod, "_crash_point", _crash_point)
    budget = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    machine = MoneyMachine if SEED is None else seed(int(SEED))(MoneyMachine)
    started = time.monotonic()
    STATS.clear()
    try:
        run_state_machine_as_test(machine, settings=budget)
    finally:
        print(f"\n{stage.runs} runs in {time.monotonic() - started:.0f} s:")
        for key, n in sorted(STATS.items()):
            print(f"  {key}: {n}")
