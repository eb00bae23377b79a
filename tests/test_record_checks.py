"""The simulator's batch checks of each record's own hash and signature (threads for large batches)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.sync.settlement_record import GENESIS_HASH, public_key_bytes, seal
from kiosk_demo.cloud import record_checks

KEY = bytes(range(32))


def _records(n: int) -> list[dict]:
    out, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        record = seal(
            {
                "record_id": f"r{seq}",
                "seq": seq,
                "terminal_id": "t",
                "exchange_id": f"x{seq}",
                "occurred_at": "2026-11-27T10:00:00+09:00",
                "mykey_id": "mk-川崎",
                "event_id": "ev",
                "points_used": 500,
                "fee": 45,
                "loaded": 455,
                "card_ref": 'ref "quoted"',
                "load_id": f"l{seq}",
                "prev_hash": prev,
            },
            KEY,
        )
        prev = record["hash"]
        out.append(record)
    return out


@pytest.mark.parametrize("n", [10, record_checks.IN_PLACE_BELOW + 136])  # in place, and on the threads
def test_each_record_gets_its_own_code_and_intact_ones_their_stored_json(n):
    records = _records(n)
    records[3] = dict(records[3], points_used=501)  # edited after sealing
    records[7] = seal({k: v for k, v in records[7].items()}, Ed25519PrivateKey.generate())  # another key
    records[8] = dict(records[8], signature="not base64!")
    checked = record_checks.start(records, public_key_bytes(KEY))()
    codes = {i: c.code for i, c in enumerate(checked) if c.code}
    assert codes == {3: "bad_hash", 7: "bad_record_signature", 8: "bad_record_signature"}
    assert all(c.stored is None for c in checked if c.code)
    assert [json.loads(c.stored) for c in checked if not c.code] == [r for i, r in enumerate(records) if i not in codes]
