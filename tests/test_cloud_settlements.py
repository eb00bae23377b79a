"""Settlement batches: accepted once, duplicates, gaps, edits, forged signatures, gzip."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.rules import quote
from kiosk.sync import cloud_errors as ce
from kiosk.sync import cloud_schema as schema
from kiosk.sync.settlement_record import GENESIS_HASH, seal
from tests.cloud_fixtures import client_for, login


class Chain:
    """A terminal that makes real exchanges and seals a record for each, like the outbox will."""

    def __init__(self, sim, n: int) -> None:
        self.event = sim.event()
        self.term = sim.terminal([self.event])
        self.client = client_for(sim.url, self.term)
        holder = sim.holder()
        sim.issue(holder.mykey_id, self.event, 100_000)
        session = login(self.client, holder)
        self.records: list[dict] = []
        prev = GENESIS_HASH
        for seq in range(1, n + 1):
            points = 100 * seq + 7
            xid, load_id, q = str(uuid.uuid4()), str(uuid.uuid4()), quote(points)
            self.client.hold(session, xid, self.event, points)
            self.client.commit(xid, card_ref="ref", load_id=load_id, loaded=q.loaded, fee=q.fee, balance_after=0)
            record = seal(
                {
                    "record_id": str(uuid.uuid4()),
                    "seq": seq,
                    "terminal_id": self.term.terminal_id,
                    "exchange_id": xid,
                    "occurred_at": "2026-01-01T00:00:00+09:00",
                    "mykey_id": session.mykey_id,
                    "event_id": self.event,
                    "points_used": points,
                    "fee": q.fee,
                    "loaded": q.loaded,
                    "card_ref": "ref",
                    "load_id": load_id,
                    "prev_hash": prev,
                },
                self.term.device_key,
            )
            prev = record["hash"]
            self.records.append(record)


def _ids(records):
    return [r["record_id"] for r in records]


def _head(record):
    return {"seq": record["seq"], "hash": record["hash"]}


def test_batch_accepted_once_then_duplicates(sim):
    chain = Chain(sim, 3)
    out = chain.client.upload_batch(chain.records)
    head = _head(chain.records[-1])
    assert out == {"accepted": _ids(chain.records), "duplicates": [], "rejected": [], "head": head}
    again = chain.client.upload_batch(chain.records, compress=False)
    assert again == {"accepted": [], "duplicates": _ids(chain.records), "rejected": [], "head": head}


def _lie(chain, record):
    """The same record (id, seq, chain) claiming other amounts than the committed exchange."""
    return seal(
        dict(record, points_used=record["points_used"] + 11, fee=record["fee"] + 1, loaded=record["loaded"] + 10),
        chain.term.device_key,
    )


def test_a_disputed_record_is_parked_and_later_records_still_go(sim):
    chain = Chain(sim, 4)
    r1, r2, r3, r4 = chain.records
    lying = _lie(chain, r2)
    r3 = seal(dict(r3, prev_hash=lying["hash"]), chain.term.device_key)  # the kiosk chained the lie
    r4 = seal(dict(r4, prev_hash=r3["hash"]), chain.term.device_key)
    out = chain.client.upload_batch([r1, lying])
    assert out["accepted"] == [r1["record_id"]]
    assert out["rejected"] == [{"record_id": r2["record_id"], "code": "exchange_mismatch"}]
    assert out["head"] == _head(lying)  # parked: its seq is consumed
    out = chain.client.upload_batch([r3])
    assert out["accepted"] == [r3["record_id"]] and not out["rejected"]
    again = chain.client.upload_batch([lying, r4])  # the parked one again: the same refusal
    assert again["rejected"] == [{"record_id": r2["record_id"], "code": "exchange_mismatch"}]
    assert again["accepted"] == [r4["record_id"]] and again["head"] == _head(r4)


def test_gap_is_refused_until_the_missing_record_arrives(sim):
    chain = Chain(sim, 3)
    r1, r2, r3 = chain.records
    out = chain.client.upload_batch([r1, r3])
    assert out["accepted"] == [r1["record_id"]]
    assert out["rejected"] == [{"record_id": r3["record_id"], "code": "seq_gap"}]
    out = chain.client.upload_batch([r3, r2])  # order within a batch does not matter
    assert out["accepted"] == [r2["record_id"], r3["record_id"]]


def test_edited_forged_and_unlinked_records_are_refused(sim):
    chain = Chain(sim, 2)
    r1, r2 = chain.records
    edited = dict(r1, points_used=r1["points_used"] + 1)
    forged = seal({k: v for k, v in r1.items()}, Ed25519PrivateKey.generate())
    assert chain.client.upload_batch([edited])["rejected"] == [{"record_id": r1["record_id"], "code": "bad_hash"}]
    assert chain.client.upload_batch([forged])["rejected"] == [
        {"record_id": r1["record_id"], "code": "bad_record_signature"}
    ]
    unlinked = seal(dict(r2, seq=1, prev_hash="1" * 64), chain.term.device_key)
    assert chain.client.upload_batch([unlinked])["rejected"][0]["code"] == "chain_broken"
    assert chain.client.upload_batch([r1, r2])["accepted"] == _ids([r1, r2])
    resealed = seal(dict(r1, occurred_at="2026-01-02T00:00:00+09:00"), chain.term.device_key)
    assert chain.client.upload_batch([resealed])["rejected"][0]["code"] == "record_conflict"
    lying = _lie(chain, r1)  # parking never replaces a stored record
    assert chain.client.upload_batch([lying])["rejected"][0]["code"] == "record_conflict"


def test_batch_for_another_terminal_is_refused(sim):
    chain = Chain(sim, 1)
    other = client_for(sim.url, sim.terminal())
    with pytest.raises(ce.TerminalMismatch):
        other._call(
            "POST",
            "/v1/settlements/batches",
            schema.batch,
            key=str(uuid.uuid4()),
            body={"terminal_id": chain.term.terminal_id, "records": chain.records},
        )
    out = other.upload_batch([dict(chain.records[0])])
    assert out["rejected"][0]["code"] == "terminal_mismatch"


def test_more_than_1000_records_is_refused(sim):
    chain = Chain(sim, 1)
    with pytest.raises(ce.InvalidRequest):
        chain.client.upload_batch(chain.records * 1001)


def test_a_stored_record_id_sent_again_with_a_new_seq_is_a_conflict(sim):
    chain = Chain(sim, 2)
    r1, r2 = chain.records
    assert chain.client.upload_batch([r1])["accepted"] == [r1["record_id"]]
    reused = seal(dict(r2, record_id=r1["record_id"]), chain.term.device_key)  # seq 2, r1's id
    out = chain.client.upload_batch([reused])
    assert out == {
        "accepted": [],
        "duplicates": [],
        "rejected": [{"record_id": r1["record_id"], "code": "record_conflict"}],
        "head": _head(r1),
    }
    assert chain.client.upload_batch([r2])["accepted"] == [r2["record_id"]]  # the chain was not moved


def test_a_stored_record_id_above_the_head_is_a_conflict_even_when_it_also_leaves_a_gap(sim):
    chain = Chain(sim, 3)
    r1, r2, r3 = chain.records
    assert chain.client.upload_batch([r1])["accepted"] == [r1["record_id"]]
    reused = seal(dict(r3, record_id=r1["record_id"]), chain.term.device_key)  # seq 3 (a gap), r1's id
    out = chain.client.upload_batch([reused])
    assert out == {
        "accepted": [],
        "duplicates": [],
        "rejected": [{"record_id": r1["record_id"], "code": "record_conflict"}],
        "head": _head(r1),
    }
    assert chain.client.upload_batch([r2, r3])["accepted"] == _ids([r2, r3])
