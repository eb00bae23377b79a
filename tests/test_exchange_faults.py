"""Tears and cloud faults at every step of a live exchange, over the real pcscd and the
simulator: after the counter's own recovery (tap the same card again, or start over) the
card, the cloud and the settlement records agree, and nothing is loaded twice."""

from __future__ import annotations

import itertools

import pytest

from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from tests.exchange_world import World, breka_balance

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]

ISSUED, POINTS, LOADED = 10_000, 500, 455
_names = itertools.count()


@pytest.fixture
def world(faulty_world):
    return faulty_world


def start(world, mynumber):
    """My Number tapped, PIN, 500 points confirmed: the holder is asked for the Breka card."""
    engine = world.engine
    with world.on_reader(mynumber):
        view = engine.card_tapped()
        assert view.phase is Phase.PIN, view.problem
        view = engine.enter_pin("1234")
    if view.phase is not Phase.AMOUNT:
        return view
    assert engine.choose_amount(POINTS).phase is Phase.CONFIRM
    return engine.confirm()


def tap(world, card, **insert):
    with world.on_reader(card, **insert) as holder:
        view = world.engine.card_tapped()
        holder.wait_removed(timeout=2.0) if insert else None
    return view


def assert_loaded_once(world, mynumber, breka, exchange_id):
    assert breka_balance(breka) == LOADED
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.COMMITTED
    assert world.parts.outbox.record_for(exchange_id)["loaded"] == LOADED
    assert world.usable(mynumber) == ISSUED - POINTS
    records = [r for r in world.parts.outbox.unsent(100_000) if r["exchange_id"] == exchange_id]
    assert len(records) == 1


# identify (JPKI select, Breka select), UID, select, 2 × authenticate, records, balance,
# credit, write record, commit: 11 APDUs; 12 means "no tear at all".
@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("n", range(1, 13))
def test_breka_card_pulled_at_every_command_then_tapped_again(world, n, mode):
    mynumber, breka, _ = world.citizen(f"tear-{mode}-{n}-{next(_names)}", points=ISSUED)
    view = start(world, mynumber)
    assert view.phase is Phase.TAP_BREKA
    exchange_id = view.exchange_id
    view = tap(world, breka, remove_after=n, remove_mode=mode)
    if view.phase is not Phase.DONE:
        assert view.phase is Phase.TAP_BREKA
        assert view.problem.code in ("card_removed", "tap_same_card_again"), view.problem
        view = tap(world, breka)
    assert view.phase is Phase.DONE, view.problem
    assert view.receipt.card_balance_after == LOADED
    assert_loaded_once(world, mynumber, breka, exchange_id)


STATEFUL = ["/v1/exchanges", "/v1/exchanges/*/commit"]
READS = ["/v1/auth/challenge", "/v1/auth/holder"]  # the balance comes with the holder sign-in


@pytest.mark.parametrize("kind,phase", [("error", "before"), ("error", "after"), ("drop", "after"), ("delay", "after")])
@pytest.mark.parametrize("path", STATEFUL)
def test_faults_on_state_changing_calls_are_retried_without_double_effect(world, path, kind, phase):
    mynumber, breka, _ = world.citizen(f"fault-{next(_names)}", points=ISSUED)
    world.admin.fault(path, kind, phase=phase, method="POST", delay_ms=1500 if kind == "delay" else 0)
    view = start(world, mynumber)
    assert view.phase is Phase.TAP_BREKA, view.problem
    exchange_id = view.exchange_id
    view = tap(world, breka)
    assert view.phase is Phase.DONE, view.problem
    assert not view.receipt.cloud_pending
    assert_loaded_once(world, mynumber, breka, exchange_id)


@pytest.mark.parametrize("kind", ["error", "drop", "delay"])
@pytest.mark.parametrize("path", READS)
def test_faults_before_the_hold_end_in_a_clear_screen_and_a_clean_second_try(world, path, kind):
    mynumber, breka, _ = world.citizen(f"read-{next(_names)}", points=ISSUED)
    # The challenge is fetched while the PIN is typed and, if that failed, once more after it.
    count = 2 if path == "/v1/auth/challenge" else 1
    world.admin.fault(path, kind, delay_ms=1500 if kind == "delay" else 0, count=count)
    view = start(world, mynumber)
    assert view.phase is Phase.FAILED and view.problem.code == "cloud_unavailable"
    assert world.parts.journal.unfinished() == []
    world.admin.clear_faults()
    assert world.usable(mynumber) == ISSUED  # nothing held
    view = start(world, mynumber)  # the citizen tries again
    assert view.phase is Phase.TAP_BREKA
    view = tap(world, breka)
    assert view.phase is Phase.DONE
    assert_loaded_once(world, mynumber, breka, view.receipt.exchange_id)


def test_a_failed_challenge_prefetch_is_fetched_again_after_the_pin(world):
    mynumber, breka, _ = world.citizen(f"prefetch-{next(_names)}", points=ISSUED)
    world.admin.fault("/v1/auth/challenge", "error", count=1)
    view = start(world, mynumber)
    assert view.phase is Phase.TAP_BREKA, view.problem
    world.engine.cancel()
    assert world.usable(mynumber) == ISSUED


def test_the_pin_screen_does_not_wait_for_the_cloud(world):
    """The challenge is fetched while the PIN is typed: with the cloud slow to answer it, the
    PIN screen is up before the challenge has come, and the PIN then signs it."""
    mynumber, breka, _ = world.citizen(f"slow-challenge-{next(_names)}", points=ISSUED)
    world.admin.fault("/v1/auth/challenge", "delay", delay_ms=800, count=1)  # within the 1 s timeout
    engine = world.engine
    with world.on_reader(mynumber):
        assert engine.card_tapped().phase is Phase.PIN
        assert not engine.wait_prefetch(0)  # still with the cloud
        view = engine.enter_pin("1234")
    assert view.phase is Phase.AMOUNT, view.problem
    assert engine.wait_prefetch(0)
    engine.cancel()
    assert world.usable(mynumber) == ISSUED


def test_commit_unreachable_still_gives_a_receipt_and_recovery_commits(world):
    from kiosk.exchange.recovery import recover

    mynumber, breka, _ = world.citizen(f"down-{next(_names)}", points=ISSUED)
    view = start(world, mynumber)
    exchange_id = view.exchange_id
    world.admin.fault("/v1/exchanges/*/commit", "error", phase="before", count=10)
    view = tap(world, breka)
    assert view.phase is Phase.DONE and view.receipt.cloud_pending and view.receipt.record_id is None
    assert breka_balance(breka) == LOADED
    assert world.parts.journal.get(exchange_id).state is Step.COMMIT_REQUESTED
    world.admin.clear_faults()
    report = recover(world.parts.journal, world.parts.finisher)
    assert exchange_id in report.committed
    assert_loaded_once(world, mynumber, breka, exchange_id)


def test_insufficient_points_at_hold_returns_to_the_amount(world):
    mynumber, breka, mykey = world.citizen(f"short-{next(_names)}", points=600)
    engine = world.engine
    with world.on_reader(mynumber):
        engine.card_tapped()
        assert engine.enter_pin("1234").usable == 600
    assert engine.choose_amount(POINTS).phase is Phase.CONFIRM
    # Another terminal spends the points between the amount and the hold.
    other = World(world.env.root / "other", world.admin.url, world.slot, ca_bundle=str(world.env.tls_cert))
    try:
        assert other.usable(mynumber) == 600
        with other.on_reader(mynumber):
            other.engine.card_tapped()
            other.engine.enter_pin("1234")
        other.engine.choose_amount(550)
        assert other.engine.confirm().phase is Phase.TAP_BREKA
    finally:
        world.use_keyring()
    view = engine.confirm()
    assert view.phase is Phase.AMOUNT and view.problem.code == "insufficient_points"
    assert view.usable == 50
    assert world.parts.journal.unfinished() == []
    other.use_keyring()
    other.engine.cancel()
    other.close()
    world.use_keyring()
