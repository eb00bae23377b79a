"""Two terminals racing for the same holder's last points: one wins, the sum never goes negative."""

from __future__ import annotations

import threading
import uuid

from kiosk.sync import cloud_errors as ce
from tests.cloud_fixtures import client_for, login

ROUNDS = 15


def test_two_terminals_race_for_the_last_points(sim):
    event = sim.event()
    clients = [client_for(sim.url, sim.terminal([event])) for _ in range(2)]
    holder = sim.holder()
    sessions = [login(c, holder) for c in clients]
    wins = 0
    for round_no in range(ROUNDS):
        sim.issue(holder.mykey_id, event, 100 + round_no)
        points = clients[0].balance(sessions[0])["usable"]
        assert points == 100 + round_no
        barrier = threading.Barrier(2)
        outcomes: list[object] = [None, None]

        def race(i: int) -> None:
            barrier.wait()
            try:
                outcomes[i] = clients[i].hold(sessions[i], str(uuid.uuid4()), event, points)
            except ce.CloudError as exc:
                outcomes[i] = exc

        threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        held = [o for o in outcomes if isinstance(o, dict)]
        refused = [o for o in outcomes if isinstance(o, ce.InsufficientPoints)]
        assert len(held) == 1 and len(refused) == 1, outcomes
        assert held[0]["points"] == points
        balance = clients[1].balance(sessions[1])
        assert balance["usable"] == 0
        assert all(lot["points"] >= 0 for lot in balance["lots"])
        wins += 1
    assert wins == ROUNDS


def test_many_concurrent_small_holds_never_overdraw(sim):
    """Eight terminals each try five holds of 7 points against 100 points: exactly 14 succeed."""
    event = sim.event()
    holder = sim.holder()
    sim.issue(holder.mykey_id, event, 100)
    clients = [client_for(sim.url, sim.terminal([event])) for _ in range(8)]
    sessions = [login(c, holder) for c in clients]
    results: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for _ in range(5):
            try:
                clients[i].hold(sessions[i], str(uuid.uuid4()), event, 7)
                outcome = "held"
            except ce.InsufficientPoints:
                outcome = "refused"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 40
    assert results.count("held") == 100 // 7
    assert clients[0].balance(sessions[0])["usable"] == 100 - 7 * (100 // 7)
