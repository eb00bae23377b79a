"""Balance, hold/commit/cancel and idempotency, through the kiosk's client over HTTP."""

from __future__ import annotations

import uuid

import pytest
import requests

from kiosk.rules import quote
from kiosk.sync import cloud_errors as ce
from tests.cloud_fixtures import client_for, login


@pytest.fixture
def world(sim):
    """A terminal serving a fresh event, and a logged-in holder with two lots."""
    event = sim.event()
    term = sim.terminal([event])
    client = client_for(sim.url, term)
    holder = sim.holder()
    sim.issue(holder.mykey_id, event, 300, at="2026-01-10T10:00:00+09:00")
    sim.issue(holder.mykey_id, event, 500, at="2026-01-05T10:00:00+09:00")
    sim.clock(now="2026-02-01T12:00:00+09:00")
    session = login(client, holder)
    sim.holder_of_session = holder
    yield sim, client, session, event, term
    client.close()


def _commit(client, exchange_id, points, load_id=None):
    q = quote(points)
    return client.commit(
        exchange_id,
        card_ref="ref-1",
        load_id=load_id or str(uuid.uuid4()),
        loaded=q.loaded,
        fee=q.fee,
        balance_after=q.loaded,
    )


def test_balance_lists_lots_earliest_expiring_first(world):
    _sim, client, session, event, _ = world
    bal = client.balance(session)
    assert bal["usable"] == 800
    assert [lot["points"] for lot in bal["lots"]] == [500, 300]
    assert bal["lots"][0]["expires_at"] == "2026-04-16T00:00:00+09:00"  # issued 01-05: usable through D+100
    assert all(lot["event_id"] == event for lot in bal["lots"])


def test_lots_of_events_the_terminal_does_not_serve_are_not_usable(world):
    sim, client, session, _, _ = world
    other_event = sim.event()
    sim.issue(session.mykey_id, other_event, 1000)
    bal = client.balance(session)
    assert bal["usable"] == 800
    assert any(lot["event_id"] == other_event for lot in bal["lots"])
    with pytest.raises(ce.EventNotServed):
        client.hold(session, str(uuid.uuid4()), other_event, 10)


def test_hold_takes_earliest_expiring_lots_then_commit(world):
    _sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    held = client.hold(session, xid, event, 600)
    assert held["state"] == "held"
    assert [part["points"] for part in held["lots"]] == [500, 100]
    assert client.balance(session)["usable"] == 200
    assert _commit(client, xid, 600)["state"] == "committed"
    assert client.exchange(xid)["state"] == "committed"
    with pytest.raises(ce.AlreadyCommitted):
        client.cancel(xid, "too late")


def test_cancel_returns_the_points_and_is_idempotent(world):
    _sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 800)
    assert client.balance(session)["usable"] == 0
    assert client.cancel(xid, "card not presented")["state"] == "cancelled"
    assert client.cancel(xid, "card not presented")["state"] == "cancelled"
    assert client.balance(session)["usable"] == 800
    with pytest.raises(ce.AlreadyCancelled):
        _commit(client, xid, 800)


def test_refusals_have_their_own_codes(world):
    sim, client, session, event, _ = world
    with pytest.raises(ce.InsufficientPoints):
        client.hold(session, str(uuid.uuid4()), event, 801)
    with pytest.raises(ce.InvalidAmount):
        client.hold(session, str(uuid.uuid4()), event, 0)
    with pytest.raises(ce.UnknownEvent):
        client.hold(session, str(uuid.uuid4()), "no-such-event", 1)
    with pytest.raises(ce.ExchangeNotFound):
        client.exchange(str(uuid.uuid4()))
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 12)
    with pytest.raises(ce.AmountMismatch):  # 12 points: fee 1, loaded 11 (rules.md)
        client.commit(xid, card_ref="r", load_id=str(uuid.uuid4()), loaded=12, fee=0, balance_after=12)
    closed = sim.event(exchange_until="2026-01-31T00:00:00+09:00")
    term = sim.terminal([closed])
    other = client_for(sim.url, term)
    with pytest.raises(ce.EventClosed):
        other.hold(login(other, sim.holder()), str(uuid.uuid4()), closed, 1)


def test_same_idempotency_key_twice_has_one_effect(world):
    _sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    first = client.hold(session, xid, event, 300)
    again = client.hold(session, xid, event, 300)
    assert again == first
    assert client.balance(session)["usable"] == 500
    load = str(uuid.uuid4())
    assert _commit(client, xid, 300, load) == _commit(client, xid, 300, load)


def test_same_idempotency_key_with_another_body_is_refused(world):
    _sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 300)
    with pytest.raises(ce.IdempotencyKeyReused) as caught:
        client.hold(session, xid, event, 301)
    assert caught.value.status == 422
    assert client.balance(session)["usable"] == 500
    _commit(client, xid, 300)
    with pytest.raises(ce.IdempotencyKeyReused):
        _commit(client, xid, 300)  # another load_id under the same key


def test_reserved_points_assigned_at_the_counter(world):
    sim, client, session, event, _ = world
    sim.post("/sim/reserved", {"mykey_id": session.mykey_id, "points": 1000, "at": "2026-01-25T09:00:00+09:00"})
    sim.post("/sim/reserved", {"mykey_id": session.mykey_id, "points": 200, "at": "2026-01-20T09:00:00+09:00"})
    assert sum(r["points"] for r in client.balance(session)["reserved"]) == 1200
    key = str(uuid.uuid4())
    out = client.assign_reserved(session, event, 700, key)
    assert out == client.assign_reserved(session, event, 700, key)  # once, however often sent
    assert out["reserved_left"] == 500
    assert (
        out["lot"]["points"] == 700 and out["lot"]["expires_at"] == "2026-05-13T00:00:00+09:00"
    )  # issued 02-01: through 05-12
    bal = client.balance(session)
    assert bal["usable"] == 1500
    assert [r["points"] for r in bal["reserved"]] == [500]  # the earliest-expiring (01-20) went first
    with pytest.raises(ce.InsufficientPoints):
        client.assign_reserved(session, event, 501, str(uuid.uuid4()))
    sim.clock(now="2026-02-08T09:00:00+09:00")  # 14 days after 01-25 09:00: the rest has lapsed
    again = login(client, sim.holder_of_session)
    assert client.balance(again)["reserved"] == []
    with pytest.raises(ce.InsufficientPoints):
        client.assign_reserved(again, event, 1, str(uuid.uuid4()))


def test_open_holds_are_listed_for_the_clerk(world):
    sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 10)
    assert xid not in [x["exchange_id"] for x in client.open_holds(older_than_s=3600)]
    sim.clock(advance_s=2 * 3600)
    assert xid in [x["exchange_id"] for x in client.open_holds(older_than_s=3600)]


def test_missing_idempotency_key_is_refused(world):
    _sim, client, session, event, _ = world
    r = client.session.post(
        client.base_url + "/v1/exchanges",
        headers={"Authorization": f"Bearer {session.token}"},
        json={"exchange_id": str(uuid.uuid4()), "event_id": event, "points": 1},
        timeout=5,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "idempotency_key_required"
    assert isinstance(client.session, requests.Session)
