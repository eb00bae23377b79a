"""Expiry by the simulated clock (rules.md: usable to the end of JST day D+100)."""

from __future__ import annotations

import uuid

import pytest

from kiosk.rules import quote
from tests.cloud_fixtures import Sim, SimProcess, client_for, login


def _setup(sim):
    event = sim.event(issue_from="2017-11-20T00:00:00+09:00", issue_until="2018-12-01T00:00:00+09:00")
    term = sim.terminal([event])
    client = client_for(sim.url, term)
    holder = sim.holder()
    return event, client, holder


def _commit(client, xid, points):
    q = quote(points)
    return client.commit(
        xid, card_ref="r", load_id=str(uuid.uuid4()), loaded=q.loaded, fee=q.fee, balance_after=q.loaded
    )


def test_lot_is_usable_through_day_d_plus_100_and_not_after(sim):
    event, client, holder = _setup(sim)
    lot = sim.issue(holder.mykey_id, event, 500, at="2018-01-05T23:30:00+09:00")
    assert lot["expires_at"] == "2018-04-16T00:00:00+09:00"
    sim.clock(now="2018-04-15T23:59:59+09:00")
    assert client.balance(login(client, holder))["usable"] == 500
    sim.clock(now="2018-04-16T00:00:00+09:00")
    bal = client.balance(login(client, holder))
    assert bal["usable"] == 0 and bal["lots"] == []


def test_issue_day_in_utc_counts_by_its_jst_date(sim):
    event, _client, holder = _setup(sim)
    # 2018-01-05 16:00 UTC is 2018-01-06 01:00 JST: D is the 6th.
    assert sim.issue(holder.mykey_id, event, 1, at="2018-01-05T16:00:00Z")["expires_at"] == "2018-04-17T00:00:00+09:00"


def test_lot_that_expires_while_held_stays_with_the_exchange(sim):
    event, client, holder = _setup(sim)
    sim.issue(holder.mykey_id, event, 500, at="2018-01-05T10:00:00+09:00")  # expires 04-16
    sim.issue(holder.mykey_id, event, 500, at="2018-02-01T10:00:00+09:00")  # expires 05-13
    sim.clock(now="2018-04-15T20:00:00+09:00")
    xid = str(uuid.uuid4())
    held = client.hold(login(client, holder), xid, event, 600)
    assert [p["points"] for p in held["lots"]] == [500, 100]
    sim.clock(now="2018-04-16T09:00:00+09:00")  # the first lot has expired; the hold keeps its points
    session = login(client, holder)
    assert client.balance(session)["usable"] == 400
    assert _commit(client, xid, 600)["state"] == "committed"
    report = client.monthly("2018-04", "2018-04", event)["months"][0]
    assert report["used"] == {"count": 1, "points": 600, "holders": 1}
    assert report["expired"] == {"count": 0, "points": 0, "holders": 0}


def test_cancelled_hold_of_an_expired_lot_lets_the_points_lapse(sim):
    event, client, holder = _setup(sim)
    sim.issue(holder.mykey_id, event, 500, at="2018-01-05T10:00:00+09:00")
    sim.clock(now="2018-04-15T20:00:00+09:00")
    xid = str(uuid.uuid4())
    client.hold(login(client, holder), xid, event, 200)
    sim.clock(now="2018-04-17T09:00:00+09:00")
    client.cancel(xid, "card never came back")
    assert client.balance(login(client, holder))["usable"] == 0
    expired = client.monthly("2018-04", "2018-04", event)["months"][0]["expired"]
    assert expired == {"count": 1, "points": 500, "holders": 1}


def test_partly_used_lot_expires_with_what_is_left(sim):
    event, client, holder = _setup(sim)
    sim.issue(holder.mykey_id, event, 5000, at="2018-02-10T10:00:00+09:00")  # last day 05-21
    sim.clock(now="2018-03-01T10:00:00+09:00")
    xid = str(uuid.uuid4())
    client.hold(login(client, holder), xid, event, 1200)
    _commit(client, xid, 1200)
    sim.clock(now="2018-05-21T23:00:00+09:00")
    assert client.monthly("2018-05", "2018-05", event)["months"][0]["expired"]["count"] == 0  # not yet
    sim.clock(now="2018-06-01T00:00:00+09:00")
    months = {m["month"]: m for m in client.monthly("2018-02", "2018-06", event)["months"]}
    assert months["2018-05"]["expired"] == {"count": 1, "points": 3800, "holders": 1}
    assert months["2018-02"]["issued"] == {"count": 1, "points": 5000, "holders": 1}
    assert months["2018-03"]["used"] == {"count": 1, "points": 1200, "holders": 1}


@pytest.fixture(scope="module")
def inclusive_sim(cloud_ca, tmp_path_factory):
    proc = SimProcess(
        tmp_path_factory.mktemp("cloud-incl") / "c.sqlite3",
        [cloud_ca.directory],
        ["--validity-counting", "include_issue_day"],
    )
    proc.wait_ready()
    yield Sim(proc.url, cloud_ca)
    proc.stop()


def test_validity_counting_is_configurable(inclusive_sim):
    sim = inclusive_sim
    event = sim.event()
    holder = sim.holder()
    lot = sim.issue(holder.mykey_id, event, 1, at="2018-01-05T10:00:00+09:00")
    assert lot["expires_at"] == "2018-04-15T00:00:00+09:00"  # "through D+99"
