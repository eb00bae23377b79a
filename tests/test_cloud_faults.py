"""Dropped responses, 500s and timeouts on every state-changing call: retried, one effect."""

from __future__ import annotations

import uuid

import pytest

from kiosk.rules import quote
from kiosk.sync import cloud_errors as ce
from kiosk.sync.settlement_record import GENESIS_HASH, seal
from tests.cloud_fixtures import client_for, login

FAULTS = {
    "drop": {"kind": "drop", "phase": "after"},
    "500": {"kind": "error", "status": 500, "phase": "after"},
    "timeout": {"kind": "delay", "delay_ms": 1500, "phase": "after"},
}


@pytest.fixture
def world(sim):
    event = sim.event()
    term = sim.terminal([event])
    client = client_for(sim.url, term, timeout_s=1.0)
    holder = sim.holder()
    sim.issue(holder.mykey_id, event, 1000)
    session = login(client, holder)
    yield sim, client, session, event, term
    client.close()


def _armed(sim) -> list[dict]:
    return sim.http.get(sim.url + "/sim/faults", timeout=5).json()


def _breka(points: int, load_id: str) -> dict:
    q = quote(points)
    return {"card_ref": "ref-x", "load_id": load_id, "loaded": q.loaded, "fee": q.fee, "balance_after": q.loaded}


@pytest.mark.parametrize("fault", FAULTS)
def test_hold_is_retried_without_double_effect(world, fault):
    sim, client, session, event, _ = world
    sim.fault("/v1/exchanges", **FAULTS[fault])
    xid = str(uuid.uuid4())
    held = client.hold(session, xid, event, 400)
    assert held["exchange_id"] == xid and held["state"] == "held"
    assert _armed(sim) == []  # the fault really fired
    assert client.balance(session)["usable"] == 600


@pytest.mark.parametrize("fault", FAULTS)
def test_commit_is_retried_without_double_effect(world, fault):
    sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 400)
    sim.fault(f"/v1/exchanges/{xid}/commit", **FAULTS[fault])
    assert client.commit(xid, **_breka(400, str(uuid.uuid4())))["state"] == "committed"
    assert _armed(sim) == []
    assert client.exchange(xid)["state"] == "committed"
    assert client.balance(session)["usable"] == 600


@pytest.mark.parametrize("fault", FAULTS)
def test_cancel_is_retried_without_double_effect(world, fault):
    sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 400)
    sim.fault("/v1/exchanges/*/cancel", **FAULTS[fault])
    assert client.cancel(xid, "holder left")["state"] == "cancelled"
    assert _armed(sim) == []
    assert client.balance(session)["usable"] == 1000  # returned once, not twice


@pytest.mark.parametrize("fault", FAULTS)
def test_assign_is_retried_without_double_effect(world, fault):
    sim, client, session, event, _ = world
    sim.post("/sim/reserved", {"mykey_id": session.mykey_id, "points": 500})
    sim.fault("/v1/holder/reserved/assign", **FAULTS[fault])
    out = client.assign_reserved(session, event, 300, str(uuid.uuid4()))
    assert out["reserved_left"] == 200
    assert _armed(sim) == []
    bal = client.balance(session)
    assert bal["usable"] == 1300 and [r["points"] for r in bal["reserved"]] == [200]


@pytest.mark.parametrize("fault", FAULTS)
def test_settlement_batch_is_retried_without_double_effect(world, fault):
    sim, client, session, event, term = world
    xid, load_id = str(uuid.uuid4()), str(uuid.uuid4())
    client.hold(session, xid, event, 400)
    breka = _breka(400, load_id)
    client.commit(xid, **breka)
    record = seal(
        {
            "record_id": str(uuid.uuid4()),
            "seq": 1,
            "terminal_id": term.terminal_id,
            "exchange_id": xid,
            "occurred_at": "2026-01-01T00:00:00+09:00",
            "mykey_id": session.mykey_id,
            "event_id": event,
            "points_used": 400,
            "fee": breka["fee"],
            "loaded": breka["loaded"],
            "card_ref": breka["card_ref"],
            "load_id": load_id,
            "prev_hash": GENESIS_HASH,
        },
        term.device_key,
    )
    sim.fault("/v1/settlements/batches", **FAULTS[fault])
    out = client.upload_batch([record])
    head = {"seq": 1, "hash": record["hash"]}
    assert out == {"accepted": [record["record_id"]], "duplicates": [], "rejected": [], "head": head}
    assert _armed(sim) == []
    assert client.upload_batch([record])["duplicates"] == [record["record_id"]]


def test_requests_without_a_key_are_not_retried(world):
    sim, client, _session, _event, _ = world
    sim.fault("/v1/auth/challenge", kind="error", status=500, phase="before")
    with pytest.raises(ce.CloudUnavailable):
        client.challenge()
    assert client.challenge().challenge_id  # the fault fired once; the call itself was not repeated


def test_retries_give_up_with_cloud_unavailable(world):
    sim, client, session, event, _ = world
    sim.fault("/v1/exchanges", kind="drop", phase="before", count=10)
    with pytest.raises(ce.CloudUnavailable):
        client.hold(session, str(uuid.uuid4()), event, 1)
    assert _armed(sim)[0]["count"] == 10 - (1 + client.retries)
    assert client.balance(session)["usable"] == 1000


def test_unreachable_cloud_is_cloud_unavailable(world):
    _sim, _client, session, event, term = world
    from tests.cloud_fixtures import free_port

    dead = client_for(f"http://127.0.0.1:{free_port()}", term)
    with pytest.raises(ce.CloudUnavailable):
        dead.hold(session, str(uuid.uuid4()), event, 1)


@pytest.mark.parametrize("body", ["{}", "[]", "null"])
def test_a_hold_answered_200_by_something_else_is_not_a_hold(world, body):
    sim, client, session, event, _ = world
    sim.fault("/v1/exchanges", "answer", method="POST", phase="before", status=200, body=body)
    with pytest.raises(ce.UnexpectedResponse):
        client.hold(session, str(uuid.uuid4()), event, 400)
    assert _armed(sim) == []  # answered once, not retried
    assert client.balance(session)["usable"] == 1000  # the cloud never saw it


@pytest.mark.parametrize("body", ["{}", "[]", "null"])
def test_a_commit_answered_200_by_something_else_is_not_a_commit(world, body):
    sim, client, session, event, _ = world
    xid = str(uuid.uuid4())
    client.hold(session, xid, event, 400)
    sim.fault(f"/v1/exchanges/{xid}/commit", "answer", phase="before", status=200, body=body)
    with pytest.raises(ce.UnexpectedResponse):
        client.commit(xid, **_breka(400, xid))
    assert client.exchange(xid)["state"] == "held"
    assert client.commit(xid, **_breka(400, xid))["state"] == "committed"  # the retry, later
