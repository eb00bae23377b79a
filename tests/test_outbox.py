import json
import os
import uuid

import pytest

from kiosk.store import Store
from kiosk.sync.outbox import Outbox
from kiosk.sync.settlement_record import public_key_bytes


def signed_records(store: Store, device_key: bytes, count: int = 5) -> Outbox:
    """`count` committed exchanges of terminal T-001, each with its sealed record."""
    box = Outbox(store, "T-001")
    for i in range(count):
        xid = str(uuid.uuid4())
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) "
                "VALUES (?, 'committed', 'x', 'x', 'ev')",
                (xid,),
            )
            box.append(
                tx,
                device_key=device_key,
                exchange_id=xid,
                mykey_id=f"MK{i:06d}",
                event_id="ev",
                points_used=500 + i,
                fee=45,
                loaded=455 + i,
                card_ref="ref",
                load_id=xid,
            )
    return box


@pytest.fixture
def outbox(tmp_path):
    device_key = os.urandom(32)
    box = signed_records(Store(tmp_path / "k.sqlite3"), device_key)
    yield box, public_key_bytes(device_key)
    box.store.close()


def test_intact_chain_verifies_and_is_gapless(outbox):
    box, pub = outbox
    assert box.verify(pub) == []
    assert [r["seq"] for r in box.unsent()] == [1, 2, 3, 4, 5]
    status = box.status()
    assert (status.total, status.unsent, status.last_seq) == (5, 5, 5)


def _edit(box, seq, change):
    row = box.store.query("SELECT record FROM outbox WHERE seq = ?", (seq,))[0]
    record = json.loads(row["record"])
    change(record)
    box.store.conn.execute("UPDATE outbox SET record = ? WHERE seq = ?", (json.dumps(record), seq))


def test_an_edited_record_is_named(outbox):
    box, pub = outbox
    _edit(box, 3, lambda r: r.update(points_used=50_000))
    faults = box.verify(pub)
    assert faults[0].seq == 3 and faults[0].code == "bad_hash"


def test_a_deleted_record_is_named(outbox):
    box, pub = outbox
    box.store.conn.execute("DELETE FROM outbox WHERE seq = 2")
    faults = box.verify(pub)
    assert faults[0].seq == 3 and faults[0].code == "seq_gap"


def test_reordered_records_are_named(outbox):
    box, pub = outbox
    rows = {r["seq"]: (r["record"], r["hash"]) for r in box.store.query("SELECT seq, record, hash FROM outbox")}
    conn = box.store.conn
    conn.execute("UPDATE outbox SET record = ?, hash = ?, record_id = 'tmp' WHERE seq = 2", rows[4])
    conn.execute("UPDATE outbox SET record = ?, hash = ?, record_id = 'tmp2' WHERE seq = 4", rows[2])
    faults = box.verify(pub)
    assert faults and faults[0].seq == 2 and faults[0].code == "seq_mismatch"


def test_a_record_resealed_without_the_device_key_is_named(outbox):
    box, pub = outbox
    from kiosk.sync.settlement_record import seal

    row = json.loads(box.store.query("SELECT record FROM outbox WHERE seq = 4")[0]["record"])
    forged = seal({k: v for k, v in row.items() if k not in ("hash", "signature")} | {"loaded": 99_999}, os.urandom(32))
    box.store.conn.execute("UPDATE outbox SET record = ?, hash = ? WHERE seq = 4", (json.dumps(forged), forged["hash"]))
    assert box.verify(pub)[0].code == "bad_record_signature"


def test_marking_keeps_every_record(outbox):
    box, pub = outbox
    ids = [r["record_id"] for r in box.unsent()]
    box.mark(accepted=ids[:2], duplicates=[ids[2]], rejected=[(ids[3], "seq_gap")])
    status = box.status()
    assert (status.total, status.unsent, status.accepted, status.duplicates, status.rejected) == (5, 1, 2, 1, 1)
    assert [r["record_id"] for r in box.unsent()] == [ids[4]]
    assert box.verify(pub) == []
