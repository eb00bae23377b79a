"""Unsigned, stale, forged and replayed terminal requests are refused (real server)."""

from __future__ import annotations

import datetime as dt

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
