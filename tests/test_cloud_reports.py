"""Monthly figures: issued / used / expired with counts, points and distinct holders."""

from __future__ import annotations

import uuid

import pytest

from kiosk.rules import quote
from kiosk.sync import cloud_errors as ce
from tests.cloud_fixtures import client_for, login


def _exchange(sim, client, holder, event, points, at):
    sim.clock(now=at)
    xid = str(uuid.uuid4())
    client.hold(login(client, holder), xid, event, points)
    q = quote(points)
    client.commit(xid, card_ref="r", load_id=str(uuid.uuid4()), loaded=q.loaded, fee=q.fee, balance_after=q.loaded)


def test_monthly_figures_and_distinct_holders(sim):
    event = sim.event(issue_from="2017-11-20T00:00:00+09:00", issue_until="2018-12-01T00:00:00+09:00")
    client = client_for(sim.url, sim.terminal([event]))
    a, b, c = sim.holder(), sim.holder(), sim.holder()
    sim.issue(a.mykey_id, event, 3000, at="2017-11-20T10:00:00+09:00")  # last day 2018-02-28
    sim.issue(b.mykey_id, event, 2000, at="2017-11-30T23:59:59+09:00")
    sim.issue(a.mykey_id, event, 1000, at="2017-12-01T00:00:00+09:00")
    sim.issue(c.mykey_id, event, 200, at="2017-12-15T12:00:00+09:00")  # left to expire
    _exchange(sim, client, a, event, 3500, "2017-12-20T10:00:00+09:00")  # 3000 from Nov, 500 from Dec
    _exchange(sim, client, b, event, 2000, "2018-01-10T10:00:00+09:00")
    sim.clock(now="2018-07-01T00:00:00+09:00")
    out = client.monthly("2017-11", "2018-06", event)
    months = {m["month"]: m for m in out["months"]}
    assert list(months) == ["2017-11", "2017-12", "2018-01", "2018-02", "2018-03", "2018-04", "2018-05", "2018-06"]
    assert months["2017-11"]["issued"] == {"count": 2, "points": 5000, "holders": 2}
    assert months["2017-12"]["issued"] == {"count": 2, "points": 1200, "holders": 2}
    assert months["2017-12"]["used"] == {"count": 1, "points": 3500, "holders": 1}
    assert months["2018-01"]["used"] == {"count": 1, "points": 2000, "holders": 1}
    # a's Dec lot (500 left) lapses after 2018-03-11; c's after 2018-03-25: both in March.
    assert months["2018-03"]["expired"] == {"count": 2, "points": 700, "holders": 2}
    totals = out["totals"]
    assert totals["issued"] == {"count": 4, "points": 6200, "holders": 3}
    assert totals["used"] == {"count": 2, "points": 5500, "holders": 2}
    assert totals["expired"] == {"count": 2, "points": 700, "holders": 2}
    assert totals["issued"]["points"] == totals["used"]["points"] + totals["expired"]["points"]


def test_report_range_is_validated(sim):
    client = client_for(sim.url, sim.terminal())
    with pytest.raises(ce.InvalidRequest):
        client.monthly("2018-05", "2018-04")
    with pytest.raises(ce.InvalidRequest):
        client.monthly("2018-13", "2018-14")
    assert client.monthly("2018-12", "2019-01", "no-such-event")["months"][1]["month"] == "2019-01"
