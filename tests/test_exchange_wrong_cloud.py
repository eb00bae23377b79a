"""A wrong answer where the cloud should be (the simulator's `answer` fault: a proxy or stub
answering `200 {}`), over the real pcscd: a hold answered so ends the exchange before any
card load, and a commit answered so is never counted as committed."""

from __future__ import annotations

import itertools

import pytest

from kiosk.cli import main
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from tests.exchange_world import breka_balance
from tests.test_exchange_faults import ISSUED, LOADED, start, tap

pytestmark = [pytest.mark.pcsc, pytest.mark.slow]
_names = itertools.count()


CLOUD_TIMEOUT_S = 2  # module_world's cloud timeout


@pytest.fixture
def world(faulty_world):
    return faulty_world


@pytest.mark.parametrize("phase", ["before", "after"])  # the hold never made / made, answer replaced
@pytest.mark.parametrize("body", ["{}", "[]", "null", '{"exchange_id": "x", "state": "held"}'])
def test_a_hold_answered_wrongly_loads_nothing_and_leaves_the_points(world, phase, body):
    mynumber, breka, _ = world.citizen(f"wrong-hold-{next(_names)}", points=ISSUED)
    world.admin.fault("/v1/exchanges", "answer", method="POST", phase=phase, status=200, body=body)
    view = start(world, mynumber)
    assert view.phase is Phase.FAILED and view.problem.code == "unexpected_response"
    view = tap(world, breka)  # the citizen taps the Breka card anyway
    assert view.phase is not Phase.DONE and view.problem.code == "mynumber_first"
    assert breka_balance(breka) == 0
    assert world.usable(mynumber) == ISSUED  # never held, or released by the cancel
    assert world.parts.journal.unfinished() == []


@pytest.mark.parametrize("body", ["{}", "[]", "null"])
def test_recover_against_a_wrong_answer_does_not_count_a_commit(world, capsys, body):
    mynumber, breka, _ = world.citizen(f"wrong-commit-{next(_names)}", points=ISSUED)
    view = start(world, mynumber)
    exchange_id = view.exchange_id
    world.admin.fault("/v1/exchanges/*/commit", "answer", method="POST", status=200, body=body, count=10)
    view = tap(world, breka)
    assert view.phase is Phase.DONE and view.receipt.cloud_pending and view.receipt.record_id is None
    assert breka_balance(breka) == LOADED
    config = ["--config", str(world.env.config_path)]
    capsys.readouterr()
    assert main(config + ["exchanges", "recover"]) == 1
    assert "committed 0" in capsys.readouterr().out
    row = world.parts.journal.get(exchange_id)
    assert row.state is Step.COMMIT_REQUESTED and row.last_error == "unexpected_response"
    assert world.parts.outbox.record_for(exchange_id) is None
    world.admin.clear_faults()
    assert main(config + ["exchanges", "recover"]) == 0
    assert "committed 1" in capsys.readouterr().out
    assert world.parts.journal.get(exchange_id).state is Step.COMMITTED
    assert world.usable(mynumber) == ISSUED - 500
