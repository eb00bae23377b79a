"""Answers from something that is not the cloud, over real loopback HTTP (tests/stub_server):
each wrong answer is UnexpectedResponse — never success, never "unavailable" — and no
answer, however slow or large, holds a call beyond its deadline or is read past its cap."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from kiosk.sync import cloud_errors as ce
from kiosk.sync.cloud import CloudClient, HolderSession

XID = str(uuid.uuid4())
HOLDER = HolderSession("token", "mk-1", "2030-01-01T00:00:00Z")
CALLS = {
    "challenge": lambda c: c.challenge(),
    "holder": lambda c: c.authenticate_holder("ch", b"cert", b"sig"),
    "balance": lambda c: c.balance(HOLDER),
    "assign": lambda c: c.assign_reserved(HOLDER, "ev", 10, str(uuid.uuid4())),
    "hold": lambda c: c.hold(HOLDER, XID, "ev", 500),
    "commit": lambda c: c.commit(XID, card_ref="r", load_id=XID, loaded=455, fee=45, balance_after=455),
    "cancel": lambda c: c.cancel(XID, "why"),
    "exchange": lambda c: c.exchange(XID),
    "open_holds": lambda c: c.open_holds(),
    "batch": lambda c: c.upload_batch([]),
    "monthly": lambda c: c.monthly("2018-01", "2018-03"),
}


def _client(url: str, **kwargs) -> CloudClient:
    kwargs.setdefault("backoff_s", 0.01)
    kwargs.setdefault("timeout_s", 2.0)
    return CloudClient(url, "t-1", b"s" * 32, **kwargs)


def _held(**changes) -> bytes:
    body = {
        "exchange_id": XID,
        "state": "held",
        "event_id": "ev",
        "points": 500,
        "mykey_id": "mk-1",
        "lots": [{"lot_id": "l1", "points": 300}, {"lot_id": "l2", "points": 200}],
        "created_at": "2018-01-01T00:00:00Z",
        "finished_at": None,
        "breka": None,
        "cancel_reason": None,
    }
    return json.dumps(body | changes).encode()


@pytest.mark.parametrize("body", [b"{}", b"[]", b"null", b'"ok"', b"true", b'{"error": {"code": "x"}}'])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_refuses_a_2xx_answer_outside_the_interface(stub, call, body):
    stub.answer(200, body)
    with pytest.raises(ce.UnexpectedResponse) as caught:
        CALLS[call](_client(stub.url))
    assert not isinstance(caught.value, ce.CloudUnavailable)
    assert len(stub.requests) == 1  # not retried: the same server would answer the same


@pytest.mark.parametrize(
    "body",
    [
        _held(exchange_id=str(uuid.uuid4())),
        _held(state="committed"),
        _held(points=5000, lots=[{"lot_id": "l1", "points": 5000}]),
        _held(event_id="other"),
        _held(mykey_id="someone-else"),
        _held(lots=[{"lot_id": "l1", "points": 1}]),
        _held(points="500"),
        _held(created_at="yesterday"),
    ],
)
def test_a_hold_answer_must_echo_the_hold_asked_for(stub, body):
    stub.answer(201, body)
    with pytest.raises(ce.UnexpectedResponse):
        _client(stub.url).hold(HOLDER, XID, "ev", 500)


def test_a_hold_answer_that_matches_is_taken(stub):
    stub.answer(201, _held(exchange_id=XID.upper()))
    assert _client(stub.url).hold(HOLDER, XID, "ev", 500)["state"] == "held"


@pytest.mark.parametrize(
    "body",
    [{"exchange_id": XID, "state": "cancelled"}, {"exchange_id": str(uuid.uuid4()), "state": "committed"}, {}],
)
def test_a_commit_answer_must_say_this_exchange_is_committed(stub, body):
    stub.answer(200, json.dumps(body).encode())
    with pytest.raises(ce.UnexpectedResponse):
        CALLS["commit"](_client(stub.url))
    stub.answer(200, json.dumps({"exchange_id": XID, "state": "committed"}).encode())
    assert CALLS["commit"](_client(stub.url))["state"] == "committed"


def test_an_error_code_under_another_status_is_not_believed(stub):
    # A cancel answered `exchange_not_found` makes the finisher treat the hold as never made.
    error = json.dumps({"error": {"code": "exchange_not_found", "message": ""}}).encode()
    stub.answer(409, error)
    with pytest.raises(ce.UnexpectedResponse):
        CALLS["cancel"](_client(stub.url))
    stub.answer(404, error)
    with pytest.raises(ce.ExchangeNotFound):
        CALLS["cancel"](_client(stub.url))


def test_a_redirect_is_not_followed(stub):
    stub.answer(307, b"", {"Location": stub.url + "/elsewhere"})
    with pytest.raises(ce.UnexpectedResponse):
        CALLS["commit"](_client(stub.url))
    assert [path for _, path, _ in stub.requests] == [f"/v1/exchanges/{XID}/commit"]


def test_one_retry_policy_exactly_retries_plus_one_attempts(stub):
    stub.answer(503, b"")
    with pytest.raises(ce.CloudUnavailable):
        CALLS["commit"](_client(stub.url, retries=2))
    assert len(stub.requests) == 3


@pytest.mark.parametrize("headers_too", [True, False], ids=["headers", "body"])
@pytest.mark.parametrize("call", ["commit", "exchange", "batch", "monthly"])
def test_a_server_sending_a_byte_at_a_time_does_not_hold_a_call_past_its_deadline(stub, call, headers_too):
    # Each byte comes well within the read timeout: only a deadline on the whole call ends it.
    stub.drip(headers_too=headers_too, every_s=0.3, n=100)
    client = _client(stub.url, timeout_s=1.0, deadline_s=2.0)
    started = time.monotonic()
    with pytest.raises(ce.CloudUnavailable, match="deadline"):
        CALLS[call](client)
    assert time.monotonic() - started < 3 * 2.0


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "until-close"])
def test_a_huge_answer_is_refused_without_reading_it(stub, announce):
    stub.endless(50 * 2**20, announce=announce)
    with pytest.raises(ce.UnexpectedResponse, match="bytes"):
        CALLS["exchange"](_client(stub.url, max_body=4 * 2**20, timeout_s=10.0))
    time.sleep(0.2)  # let the server notice the closed connection
    assert stub.written < 20 * 2**20


def test_a_compressed_answer_is_refused(stub):
    # Asked for identity; a gzip answer could inflate past any cap.
    stub.answer(200, b"\x1f\x8b\x08\x00", {"Content-Encoding": "gzip"})
    with pytest.raises(ce.UnexpectedResponse, match="gzip"):
        CALLS["exchange"](_client(stub.url))
    assert stub.requests[0][2].get("Accept-Encoding") == "identity"


def test_a_fully_read_answer_leaves_the_connection_for_the_next_call(stub):
    stub.answer(200, json.dumps({"exchange_id": XID, "state": "committed"}).encode())
    client = _client(stub.url)
    for _ in range(3):
        CALLS["commit"](client)
    assert len(stub.ports) == 1  # bounded reading must not cost a TLS handshake per call
