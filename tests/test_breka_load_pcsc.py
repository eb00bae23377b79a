"""The Breka load over the real pcscd and vpcd: tears at every command, lost replies, big loads."""

from __future__ import annotations

import uuid

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka_load import LoadOutcomeUnknown, Settlement, load, open_for_load, resolve
from kiosk.cardio.desfire_status import BoundaryError
from kiosk.cardio.errors import CardError, CardRemoved
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import wait_for_state
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from kiosk_demo.vpcd import CardInReader
from tests.breka_doubles import DirectConnection, MemoryJournal, issue_card

pytestmark = pytest.mark.pcsc

K1 = DEMO_MASTER_KEYS[breka.KEY_LOAD]
START, AMOUNT = 5_000, 700
# The APDUs of a load on a card with an empty log, in order (counted by vpcd from 1).
LOAD_APDUS = ["uid", "select", "auth-1", "auth-2", "read-log", "balance", "credit", "write-record", "commit"]


@pytest.fixture
def ctx():
    context = PcscContext()
    yield context
    context.release()


class Tap:
    """The card in the reader and a connection to it, as the card worker has them."""

    def __init__(self, ctx, slot, card, **removal) -> None:
        self.ctx, self.slot = ctx, slot
        self.holder = CardInReader(card, slot.port).insert(**removal)
        self.seen = wait_for_state(ctx, slot.reader, lambda st: st.present)
        assert self.seen is not None, f"{slot.reader}: card not seen"
        self.conn = ctx.connect(slot.reader)

    def take_away(self) -> None:
        """Remove the card and wait until pcscd has counted the removal: a card put back
        within pcscd's ~0.4 s polling period after a tear is otherwise never seen."""
        self.conn.close()
        self.holder.remove()
        counted = wait_for_state(
            self.ctx, self.slot.reader, lambda st: not st.present and st.event_count != self.seen.event_count
        )
        assert counted is not None, f"{self.slot.reader}: removal not counted"


def test_a_load_takes_nine_apdus_and_persists(vpcd_slot, ctx, tmp_path):
    card = issue_card(tmp_path, balance=START)
    journal, load_id = MemoryJournal(), uuid.uuid4()
    t = Tap(ctx, vpcd_slot, card)
    try:
        session = open_for_load(t.conn, K1)
        assert load(session, load_id, AMOUNT, journal, terminal_no=3) == START + AMOUNT
        assert t.holder.apdu_count == len(LOAD_APDUS)
        assert journal.state(load_id) == "loaded"
        [record] = session.load_records()
        assert (record.load_id, record.delta, record.balance_after, record.terminal_no) == (
            load_id,
            AMOUNT,
            START + AMOUNT,
            3,
        )
    finally:
        t.take_away()
    assert BrekaCard.open(card.path).state.applications[breka.AID].files[1].value == START + AMOUNT


# With 8 or more records the log's reply needs a second frame (`90 AF`): one APDU more.
FULL_LOG_APDUS = LOAD_APDUS[:5] + ["read-log-more"] + LOAD_APDUS[5:]
TEAR_CASES = [("empty-log", n, name) for n, name in enumerate(LOAD_APDUS, 1)] + [
    ("full-log", n, name) for n, name in enumerate(FULL_LOG_APDUS, 1)
]


def _with_earlier_loads(card: BrekaCard, count: int) -> list[uuid.UUID]:
    session = open_for_load(DirectConnection(card), K1)
    ids = [uuid.uuid4() for _ in range(count)]
    for load_id in ids:
        load(session, load_id, 1, MemoryJournal())
    card.power_off()
    return ids


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("log, n, step", TEAR_CASES, ids=[f"{c[0]}-{c[2]}" for c in TEAR_CASES])
def test_tear_at_every_command_resolves_to_once_or_never(vpcd_slot, ctx, tmp_path, log, n, step, mode):
    card = issue_card(tmp_path, balance=START)
    earlier = _with_earlier_loads(card, 9) if log == "full-log" else []
    start = START + len(earlier)
    apdus = FULL_LOG_APDUS if earlier else LOAD_APDUS
    journal, load_id = MemoryJournal(), uuid.uuid4()
    t = Tap(ctx, vpcd_slot, card, remove_after=n, remove_mode=mode)
    with pytest.raises(CardError) as info:
        load(open_for_load(t.conn, K1), load_id, AMOUNT, journal)
    assert t.holder.wait_removed()
    assert t.holder.outcome == f"removed-{mode}"
    t.take_away()
    first_write = apdus.index("credit") + 1
    if n < first_write:  # torn before any write: a plain card error, nothing journalled
        assert isinstance(info.value, CardRemoved)
        assert journal.state(load_id) is None
    else:
        assert isinstance(info.value, LoadOutcomeUnknown)
        assert journal.state(load_id) == "pending"

    # The citizen presents the same card again: a new power-up from its saved state.
    again = BrekaCard.open(card.path)
    t = Tap(ctx, vpcd_slot, again)
    try:
        session = open_for_load(t.conn, K1)
        settled = resolve(session, journal)
        balance = session.balance()
        happened = step == "commit" and mode == "after"  # commit applied, its reply lost
        assert balance == (start + AMOUNT if happened else start)
        if n >= first_write:
            assert settled == [Settlement(load_id, happened, start + AMOUNT if happened else None)]
            assert journal.state(load_id) == ("loaded" if happened else "not-happened")
        # The exchange retrying the same load id never loads twice.
        assert load(session, load_id, AMOUNT, journal) == start + AMOUNT
        assert session.balance() == start + AMOUNT
        assert [r.load_id for r in session.load_records()] == [load_id] + earlier[::-1][:9]
        assert journal.state(load_id) == "loaded"
    finally:
        t.take_away()


def test_commit_reply_with_a_tampered_cmac_is_resolved_as_loaded(vpcd_slot, ctx, tmp_path):
    card = issue_card(tmp_path, balance=START)
    card.tamper_next_reply(breka.INS_COMMIT)
    journal, load_id = MemoryJournal(), uuid.uuid4()
    t = Tap(ctx, vpcd_slot, card)
    try:
        session = open_for_load(t.conn, K1)
        with pytest.raises(LoadOutcomeUnknown):
            load(session, load_id, AMOUNT, journal)
        assert not session.authenticated
        session = open_for_load(t.conn, K1)
        assert resolve(session, journal) == [Settlement(load_id, True, START + AMOUNT)]
        assert session.balance() == START + AMOUNT
    finally:
        t.take_away()


def test_credit_past_the_limit_is_refused_and_journalled_as_not_happened(vpcd_slot, ctx, tmp_path):
    card = issue_card(tmp_path, balance=breka.UPPER_LIMIT - 100)
    journal, load_id = MemoryJournal(), uuid.uuid4()
    t = Tap(ctx, vpcd_slot, card)
    try:
        with pytest.raises(BoundaryError):
            load(open_for_load(t.conn, K1), load_id, 101, journal)
        assert journal.state(load_id) == "not-happened"
        session = open_for_load(t.conn, K1)
        assert session.balance() == breka.UPPER_LIMIT - 100
        assert session.load_records() == []
    finally:
        t.take_away()


def test_the_seeds_largest_exchange_loads(vpcd_slot, ctx, tmp_path):
    card = issue_card(tmp_path, balance=0)
    journal = MemoryJournal()
    t = Tap(ctx, vpcd_slot, card)
    try:
        assert load(open_for_load(t.conn, K1), uuid.uuid4(), 370_000, journal) == 370_000
        assert open_for_load(t.conn, K1).balance() == 370_000
    finally:
        t.take_away()


def test_leftovers_are_settled_before_a_new_load(vpcd_slot, ctx, tmp_path):
    """An unheard commit is settled by the next tap's load, a torn credit by the one after."""
    card = issue_card(tmp_path, balance=START)
    journal = MemoryJournal()
    heard_not, torn, fresh = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for load_id, (n, mode) in ((heard_not, (9, "after")), (torn, (7, "before"))):
        t = Tap(ctx, vpcd_slot, card, remove_after=n, remove_mode=mode)
        with pytest.raises(LoadOutcomeUnknown):
            load(open_for_load(t.conn, K1), load_id, AMOUNT, journal)
        t.holder.wait_removed()
        t.take_away()
    assert journal.events == [("intent", heard_not), ("loaded", heard_not), ("intent", torn)]
    assert [p.load_id for p in journal.pending_loads(card.uid)] == [torn]
    t = Tap(ctx, vpcd_slot, card)
    try:
        assert load(open_for_load(t.conn, K1), fresh, 1, journal) == START + AMOUNT + 1
        assert [journal.state(i) for i in (heard_not, torn, fresh)] == ["loaded", "not-happened", "loaded"]
    finally:
        t.take_away()
