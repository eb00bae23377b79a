"""The one watchdog thread behind every cloud call's deadline (kiosk.sync.cloud_http)."""

from __future__ import annotations

import time

from kiosk.sync.cloud_http import _WATCHDOG, Deadline
from tests.conftest import wait_for


def test_a_sooner_deadline_fires_on_time_although_a_later_one_came_first():
    late, soon = Deadline(60), Deadline(0.05)
    _WATCHDOG.add(time.monotonic() + 60, late)
    _WATCHDOG.add(time.monotonic() + 0.05, soon)
    wait_for(lambda: soon.fired, timeout=5)
    assert not late.fired
    late.ended = True


def test_an_attempt_that_ended_is_never_cut_afterwards():
    with Deadline(0.02) as deadline:
        pass
    time.sleep(0.2)  # well past its time: the watchdog has dropped it
    assert deadline.ended and not deadline.fired
    deadline.cut()  # a late interrupt() leaves the (reused) connection alone too
    assert not deadline.fired


def test_cut_fires_at_once_while_the_attempt_runs():
    with Deadline(60) as deadline:
        deadline.cut()
        assert deadline.fired
