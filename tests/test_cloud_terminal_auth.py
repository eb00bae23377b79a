"""Unsigned, stale, forged and replayed terminal requests are refused (real server)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from kiosk.sync import cloud_errors as ce
from kiosk.sync.terminal_auth import sign_headers
from tests.cloud_fixtures import client_for


def _post(url, headers, body=b"{}"):
    r = requests.post(
        url + "/v1/auth/challenge", data=body, timeout=5, headers={**headers, "Content-Type": "application/json"}
    )
    return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None


def test_signed_request_is_accepted_and_its_replay_refused(sim):
    term = sim.terminal()
    headers = sign_headers(term.terminal_id, term.secret, "POST", "/v1/auth/challenge", b"{}")
    assert _post(sim.url, headers) == (200, None)
    assert _post(sim.url, headers) == (401, "replayed_request")


def test_unsigned_request_is_refused(sim):
    assert _post(sim.url, {}) == (401, "unauthenticated")


def test_stale_and_future_requests_are_refused(sim):
    term = sim.terminal()
    for skew in (dt.timedelta(minutes=-6), dt.timedelta(minutes=6)):
        headers = sign_headers(
            term.terminal_id,
            term.secret,
            "POST",
            "/v1/auth/challenge",
            b"{}",
            now=dt.datetime.now(dt.UTC) + skew,
        )
        assert _post(sim.url, headers) == (401, "stale_request")
    headers = sign_headers(
        term.terminal_id,
        term.secret,
        "POST",
        "/v1/auth/challenge",
        b"{}",
        now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=4),
    )
    assert _post(sim.url, headers) == (200, None)


def test_forged_or_altered_requests_are_refused(sim):
    term = sim.terminal()
    wrong_secret = sign_headers(term.terminal_id, b"x" * 32, "POST", "/v1/auth/challenge", b"{}")
    assert _post(sim.url, wrong_secret) == (401, "bad_terminal_signature")
    other_body = sign_headers(term.terminal_id, term.secret, "POST", "/v1/auth/challenge", b"{}")
    assert _post(sim.url, other_body, body=b'{"a":1}') == (401, "bad_terminal_signature")
    other_path = sign_headers(term.terminal_id, term.secret, "POST", "/v1/auth/holder", b"{}")
    assert _post(sim.url, other_path) == (401, "bad_terminal_signature")
    unknown = sign_headers("no-such-terminal", term.secret, "POST", "/v1/auth/challenge", b"{}")
    assert _post(sim.url, unknown) == (401, "unknown_terminal")


def test_client_maps_terminal_refusals_to_exceptions(sim):
    term = sim.terminal()
    bad = client_for(sim.url, term)
    bad.session.auth._secret = b"not the secret"
    with pytest.raises(ce.BadTerminalSignature) as caught:
        bad.challenge()
    assert isinstance(caught.value, ce.TerminalRejected)


def _signed_hold(term, key: str, authorization: str | None = "Bearer tok", signed_path: str = "/v1/exchanges?x=1"):
    """A hold as the kiosk signs it: the key and the holder token are part of the signature."""
    body = json.dumps({"exchange_id": key, "event_id": "ev", "points": 1}, separators=(",", ":")).encode()
    path = "/v1/exchanges?x=1"
    headers = sign_headers(
        term.terminal_id, term.secret, "POST", signed_path, body, idempotency_key=key, authorization=authorization
    )
    headers |= {"Idempotency-Key": key, "Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    return path, body, headers


def _send(url, method, path, body, headers):
    r = requests.request(method, url + path, data=body, headers=headers, timeout=5)
    return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None


TAMPERINGS = {
    "method": lambda p, b, h: ("GET", p, b, h),  # GET /v1/exchanges lists holds
    "query": lambda p, b, h: ("POST", p.replace("x=1", "x=2"), b, h),
    "body": lambda p, b, h: ("POST", p, b.replace(b'"points":1', b'"points":2'), h),
    "time": lambda p, b, h: ("POST", p, b, h | {"X-Timestamp": _shifted(h["X-Timestamp"])}),
    "nonce": lambda p, b, h: ("POST", p, b, h | {"X-Nonce": "0" * 32}),
    "idempotency key swapped": lambda p, b, h: ("POST", p, b, h | {"Idempotency-Key": str(uuid.uuid4())}),
    "authorization changed": lambda p, b, h: ("POST", p, b, h | {"Authorization": "Bearer other"}),
    "authorization dropped": lambda p, b, h: ("POST", p, b, {k: v for k, v in h.items() if k != "Authorization"}),
}


def _shifted(stamp: str) -> str:
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) - dt.timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("change", sorted(TAMPERINGS))
def test_any_change_to_a_signed_part_is_refused(sim, change):
    term = sim.terminal()
    path, body, headers = _signed_hold(term, str(uuid.uuid4()))
    method, path, body, headers = TAMPERINGS[change](path, body, headers)
    assert _send(sim.url, method, path, body, headers) == (401, "bad_terminal_signature")


def test_a_request_signed_for_another_path_is_refused(sim):
    term = sim.terminal()
    path, body, headers = _signed_hold(term, str(uuid.uuid4()), signed_path="/v1/holder/reserved/assign?x=1")
    assert _send(sim.url, "POST", path, body, headers) == (401, "bad_terminal_signature")


def test_a_dropped_idempotency_key_is_refused(sim):
    term = sim.terminal()
    path, body, headers = _signed_hold(term, str(uuid.uuid4()))
    del headers["Idempotency-Key"]
    assert _send(sim.url, "POST", path, body, headers) == (400, "idempotency_key_required")  # before the signature
    # Where the key is optional (GET), a request signed with a key and sent without fails the signature.
    signed = sign_headers(term.terminal_id, term.secret, "GET", "/v1/exchanges", b"", idempotency_key=str(uuid.uuid4()))
    assert _send(sim.url, "GET", "/v1/exchanges", b"", signed) == (401, "bad_terminal_signature")


def test_an_added_authorization_header_is_refused(sim):
    term = sim.terminal()
    path, body, headers = _signed_hold(term, str(uuid.uuid4()), authorization=None)
    assert _send(sim.url, "POST", path, body, headers | {"Authorization": "Bearer stolen"}) == (
        401,
        "bad_terminal_signature",
    )


def test_an_untouched_signed_hold_passes_the_signature_check(sim):
    term = sim.terminal()
    path, body, headers = _signed_hold(term, str(uuid.uuid4()))
    # Past the terminal check: the made-up holder token is what is refused now.
    assert _send(sim.url, "POST", path, body, headers) == (401, "holder_token_invalid")


def test_a_signed_header_sent_twice_is_refused(sim):
    term = sim.terminal()
    key = str(uuid.uuid4())
    path, body, headers = _signed_hold(term, key)
    headers.pop("Idempotency-Key")
    raw = list(headers.items()) + [("Idempotency-Key", key), ("Idempotency-Key", str(uuid.uuid4()))]
    conn_headers = "\r\n".join(f"{k}: {v}" for k, v in raw)
    where = urlsplit(sim.url)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\n{conn_headers}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((where.hostname, where.port), timeout=5) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401") and b"unauthenticated" in answer


def test_the_client_signs_the_key_and_the_holder_token(sim):
    term = sim.terminal()
    client = client_for(sim.url, term)
    # A challenge then a hold without a holder: the signature check passes, the token check refuses.
    with pytest.raises(ce.HolderTokenInvalid):
        client.hold("not-a-token", str(uuid.uuid4()), "ev", 1)
