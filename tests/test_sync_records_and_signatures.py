"""Unit tests of the pure shared pieces: terminal signature and settlement records."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk.sync import settlement_record as sr
from kiosk.sync import terminal_auth as ta

KEY = Ed25519PrivateKey.generate()
PUB = KEY.public_key()


def _fields(seq: int, prev: str, **over) -> dict:
    return {
        "record_id": f"r{seq}",
        "seq": seq,
        "terminal_id": "t1",
        "exchange_id": f"x{seq}",
        "occurred_at": "2018-08-01T10:00:00+09:00",
        "mykey_id": "mk-1",
        "event_id": "ev",
        "points_used": 500,
        "fee": 45,
        "loaded": 455,
        "card_ref": "c",
        "load_id": f"l{seq}",
        "prev_hash": prev,
    } | over


def _chain(n: int) -> list[dict]:
    out, prev = [], sr.GENESIS_HASH
    for seq in range(1, n + 1):
        out.append(sr.seal(_fields(seq, prev), KEY))
        prev = out[-1]["hash"]
    return out


def test_canonical_json_is_sorted_compact_utf8_and_refuses_floats():
    assert sr.canonical_json({"b": 1, "a": "川崎"}) == '{"a":"川崎","b":1}'.encode()
    with pytest.raises(TypeError):
        sr.canonical_json({"points": 1.0})


_scalars = st.one_of(st.text(), st.integers(), st.booleans(), st.none())


@given(st.dictionaries(st.text(), st.one_of(_scalars, st.lists(_scalars, max_size=3)), max_size=16))
def test_canonical_body_is_canonical_json_without_hash_and_signature(record):
    """The field-by-field writer (flat records) and the general encoder give the same bytes."""
    record = record | {"hash": "h", "signature": "s"}
    body = {k: v for k, v in record.items() if k not in ("hash", "signature")}
    assert sr.canonical_body(record) == sr.canonical_json(body)


def test_canonical_body_refuses_floats_like_canonical_json():
    with pytest.raises(TypeError):
        sr.canonical_body({"points": 1.5, "seq": 1})


def test_intact_chain_has_no_problems():
    assert sr.chain_problems(_chain(5), PUB) == []


def test_chain_shows_gaps_edits_deletions_and_forgeries():
    chain = _chain(5)
    assert sr.chain_problems(chain[:2] + chain[3:], PUB) == [("r4", "seq_gap")]
    edited = dict(chain[2], loaded=456)
    # an untrustworthy record also leaves a hole the next record points across
    assert sr.chain_problems(chain[:2] + [edited] + chain[3:], PUB) == [("r3", "bad_hash"), ("r4", "seq_gap")]
    forged = sr.seal(_fields(3, chain[1]["hash"], loaded=1), Ed25519PrivateKey.generate())
    assert sr.chain_problems(chain[:2] + [forged] + chain[3:], PUB) == [
        ("r3", "bad_record_signature"),
        ("r4", "seq_gap"),
    ]
    relinked = sr.seal(_fields(3, "f" * 64), KEY)
    assert sr.chain_problems(chain[:2] + [relinked], PUB) == [("r3", "chain_broken")]


def test_seal_requires_every_field():
    with pytest.raises(ValueError):
        sr.seal({"record_id": "r1"}, KEY)


@given(points=st.integers(1, 10**9), text=st.text(max_size=20))
def test_any_change_to_a_sealed_record_is_detected(points, text):
    record = sr.seal(_fields(1, sr.GENESIS_HASH, points_used=points, card_ref=text or "c"), KEY)
    sr.verify_record(record, PUB)
    with pytest.raises(sr.RecordProblem):
        sr.verify_record(dict(record, points_used=points + 1), PUB)


NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


KEY_AUTH = {"idempotency_key": "k-1", "authorization": "Bearer tok"}


def _verify(headers, secret=b"s" * 32, method="POST", path="/v1/x?a=1", body=b"{}", now=NOW, **signed_headers):
    signed = ta.parse_headers(headers)
    header_values = {"idempotency_key": None, "authorization": None} | signed_headers
    ta.verify(signed, secret, method, path, ta.body_sha256(body), headers[ta.HEADER_TIMESTAMP], now, **header_values)


def test_signature_round_trip_and_every_part_is_covered():
    headers = ta.sign_headers("t1", b"s" * 32, "POST", "/v1/x?a=1", b"{}", now=NOW, **KEY_AUTH)
    _verify(headers, **KEY_AUTH)
    for change in (
        {"method": "PUT"},
        {"path": "/v1/x?a=2"},
        {"body": b"{ }"},
        {"secret": b"t" * 32},
        {"idempotency_key": "k-2"},
        {"idempotency_key": None},
        {"authorization": "Bearer other"},
        {"authorization": None},
    ):
        with pytest.raises(ta.SignatureProblem) as caught:
            _verify(headers, **(KEY_AUTH | change))
        assert caught.value.code == "bad_terminal_signature"
    with pytest.raises(ta.SignatureProblem) as caught:
        _verify(dict(headers, **{ta.HEADER_NONCE: "0" * 32}), **KEY_AUTH)
    assert caught.value.code == "bad_terminal_signature"
    unsigned = ta.sign_headers("t1", b"s" * 32, "POST", "/v1/x?a=1", b"{}", now=NOW)
    with pytest.raises(ta.SignatureProblem):  # a holder token added to a request signed without one
        _verify(unsigned, authorization="Bearer tok")


def test_timestamp_window_is_five_minutes_either_way():
    headers = ta.sign_headers("t1", b"s" * 32, "POST", "/v1/x?a=1", b"{}", now=NOW)
    _verify(headers, now=NOW + ta.MAX_SKEW)
    for now in (NOW + ta.MAX_SKEW + dt.timedelta(seconds=1), NOW - ta.MAX_SKEW - dt.timedelta(seconds=1)):
        with pytest.raises(ta.SignatureProblem) as caught:
            _verify(headers, now=now)
        assert caught.value.code == "stale_request"


def test_missing_or_malformed_headers_are_unauthenticated():
    headers = ta.sign_headers("t1", b"s" * 32, "GET", "/", None, now=NOW)
    for broken in (
        {k: v for k, v in headers.items() if k != ta.HEADER_SIGNATURE},
        dict(headers, **{ta.HEADER_TIMESTAMP: "yesterday"}),
        dict(headers, **{ta.HEADER_NONCE: "../.."}),
    ):
        with pytest.raises(ta.SignatureProblem) as caught:
            ta.parse_headers(broken)
        assert caught.value.code == "unauthenticated"


def test_sync_never_imports_sim_pyscard_or_qt():
    sync = Path(__file__).resolve().parents[1] / "kiosk" / "sync"
    for file in sync.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(("kiosk_demo", "smartcard", "PySide6")), f"{file.name} imports {name}"
