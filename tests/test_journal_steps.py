"""The journal only moves forward: every step that is not in the saga's NEXT table is
refused in one place (Journal._advance), and a committed or cancelled exchange never
changes again, whatever a late card tap, reply or clerk tries."""

from __future__ import annotations

import itertools

import pytest

from kiosk.exchange.journal import Journal, StepRefused
from kiosk.exchange.steps import NEXT, Step, may_follow
from kiosk.store import Store

# A path of allowed steps from CREATED to each step, to put an exchange there.
PATH_TO = {
    Step.CREATED: [],
    Step.HOLD_REQUESTED: [Step.HOLD_REQUESTED],
    Step.HELD: [Step.HOLD_REQUESTED, Step.HELD],
    Step.LOAD_INTENT: [Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT],
    Step.NOT_LOADED: [Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT, Step.NOT_LOADED],
    Step.LOADED: [Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT, Step.LOADED],
    Step.COMMIT_REQUESTED: [Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT, Step.LOADED, Step.COMMIT_REQUESTED],
    Step.COMMITTED: [Step.HOLD_REQUESTED, Step.HELD, Step.LOAD_INTENT, Step.LOADED, Step.COMMIT_REQUESTED,
                     Step.COMMITTED],
    Step.CANCEL_REQUESTED: [Step.HOLD_REQUESTED, Step.CANCEL_REQUESTED],
    Step.CANCELLED: [Step.HOLD_REQUESTED, Step.CANCEL_REQUESTED, Step.CANCELLED],
}  # fmt: skip
_ids = itertools.count()


@pytest.fixture
def journal(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    yield Journal(store)
    store.close()


def at(journal: Journal, step: Step) -> str:
    exchange_id = f"00000000-0000-4000-8000-{next(_ids):012d}"
    journal.create(exchange_id, "ev")
    for s in PATH_TO[step]:
        journal.advance(exchange_id, s)
    assert journal.get(exchange_id).state is step
    return exchange_id


def test_every_step_is_reachable_and_the_table_covers_every_step():
    assert set(NEXT) == set(Step) == set(PATH_TO)
    for step in Step:
        assert all(may_follow(a, b) for a, b in zip([Step.CREATED, *PATH_TO[step]], PATH_TO[step]))


@pytest.mark.parametrize("current, step", [(c, s) for c in Step for s in Step if not may_follow(c, s)])
def test_every_move_outside_the_saga_is_refused_and_changes_nothing(journal, current, step):
    exchange_id = at(journal, current)
    before = journal.steps(exchange_id)
    with pytest.raises(StepRefused):
        journal.advance(exchange_id, step, last_error="late")
    row = journal.get(exchange_id)
    assert row.state is current and row.last_error is None and journal.steps(exchange_id) == before


@pytest.mark.parametrize("final", [Step.COMMITTED, Step.CANCELLED])
def test_a_final_exchange_never_changes_again(journal, final):
    exchange_id = at(journal, final)
    for step in Step:
        with pytest.raises(StepRefused):
            journal.advance(exchange_id, step)
    journal.note_error(exchange_id, "late reply")  # a late error note is dropped, not written
    assert journal.get(exchange_id).last_error is None


def test_an_unfinished_step_may_be_written_again_with_its_error(journal):
    exchange_id = at(journal, Step.COMMIT_REQUESTED)
    journal.note_error(exchange_id, "cloud_unavailable")
    row = journal.get(exchange_id)
    assert row.state is Step.COMMIT_REQUESTED and row.last_error == "cloud_unavailable"


def test_find_reads_the_rows_of_this_kiosk_and_leaves_other_ids_out(journal):
    held, cancelled = at(journal, Step.HELD), at(journal, Step.CANCELLED)
    other = "11111111-1111-4111-8111-111111111111"  # another terminal's load on the card
    found = journal.find([held, other, cancelled])
    assert set(found) == {held, cancelled}
    assert found[held].state is Step.HELD and found[cancelled].state is Step.CANCELLED
    assert journal.find([]) == {}
