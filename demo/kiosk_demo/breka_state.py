"""The virtual Breka card's persistent state and its issuing (personalisation) steps.

What a real card keeps in EEPROM: UID, the application with its keys, the value file and
the cyclic log file — committed data only (pending changes live in the card object and
die with power). Saved as JSON with an atomic replace (tmp + fsync + rename + fsync of
the directory), so a crash while saving leaves the old or the new state, never half.

Issuing follows a technician's order of work — blank card, create application, change
keys, create files — as functions over the state, used by `kiosk cards issue breka`,
the demo and the tests alike.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.cardio import breka
from kiosk.cardio.breka import AID, LOG_FILE, RECORD_SIZE, UPPER_LIMIT, VALUE_FILE

FORMAT = "kiosk-breka-df-sim/1"
KEY_COUNT = 5
LOG_RECORDS = 11  # one slot is always the write buffer: 10 usable


@dataclass
class Access:
    """DESFire access rights: which key may read, write, read+write, change settings."""

    read: int
    write: int
    read_write: int
    change: int


@dataclass
class ValueFile:
    value: int
    lower: int
    upper: int
    access: Access
    comm_mode: int = 1  # MACed


@dataclass
class RecordFile:
    record_size: int
    max_records: int
    access: Access
    records: list[bytes] = field(default_factory=list)  # committed, oldest first
    comm_mode: int = 1

    @property
    def usable(self) -> int:
        return self.max_records - 1


@dataclass
class Application:
    aid: bytes
    keys: list[bytes]
    files: dict[int, ValueFile | RecordFile] = field(default_factory=dict)


@dataclass
class CardState:
    uid: bytes
    applications: dict[bytes, Application] = field(default_factory=dict)

    # -- persistence -------------------------------------------------------------
    def to_json(self) -> dict:
        apps = {}
        for aid, app in self.applications.items():
            files = {}
            for no, f in app.files.items():
                base = {"access": vars(f.access), "comm_mode": f.comm_mode}
                if isinstance(f, ValueFile):
                    files[str(no)] = {"type": "value", "value": f.value, "lower": f.lower, "upper": f.upper, **base}
                else:
                    files[str(no)] = {
                        "type": "cyclic",
                        "record_size": f.record_size,
                        "max_records": f.max_records,
                        "records": [r.hex() for r in f.records],
                        **base,
                    }
            apps[aid.hex()] = {"keys": [k.hex() for k in app.keys], "files": files}
        return {"format": FORMAT, "uid": self.uid.hex(), "applications": apps}

    @classmethod
    def from_json(cls, doc: dict) -> CardState:
        if doc.get("format") != FORMAT:
            raise ValueError(f"not a virtual Breka card state ({doc.get('format')!r})")
        state = cls(bytes.fromhex(doc["uid"]))
        for aid_hex, app_doc in doc["applications"].items():
            app = Application(bytes.fromhex(aid_hex), [bytes.fromhex(k) for k in app_doc["keys"]])
            for no, f in app_doc["files"].items():
                access = Access(**f["access"])
                if f["type"] == "value":
                    app.files[int(no)] = ValueFile(f["value"], f["lower"], f["upper"], access, f["comm_mode"])
                else:
                    app.files[int(no)] = RecordFile(
                        f["record_size"],
                        f["max_records"],
                        access,
                        [bytes.fromhex(r) for r in f["records"]],
                        f["comm_mode"],
                    )
            state.applications[app.aid] = app
        return state

    def save(self, path: Path) -> None:
        save_atomically(path, json.dumps(self.to_json(), indent=1).encode())

    @classmethod
    def load(cls, path: Path) -> CardState:
        return cls.from_json(json.loads(Path(path).read_bytes()))


def save_atomically(path: Path, payload: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# -- issuing, step by step as a technician does it ---------------------------------
def blank_card(uid: bytes | None = None) -> CardState:
    """A fresh DESFire chip: a 7-byte UID (NXP's manufacturer byte 04 first), no application."""
    uid = uid if uid is not None else b"\x04" + os.urandom(6)
    if len(uid) != 7:
        raise ValueError("a DESFire UID is 7 bytes")
    return CardState(uid)


def create_application(state: CardState, aid: bytes, key_count: int) -> Application:
    if aid in state.applications:
        raise ValueError(f"application {aid.hex()} exists")
    app = Application(aid, [bytes(16)] * key_count)  # DESFire default: all-zero keys
    state.applications[aid] = app
    return app


def change_key(app: Application, key_no: int, key: bytes) -> None:
    if len(key) != 16:
        raise ValueError("AES keys are 16 bytes")
    app.keys[key_no] = key


def create_value_file(app: Application, file_no: int, lower: int, upper: int, initial: int, access: Access) -> None:
    if not lower <= initial <= upper:
        raise ValueError(f"initial value {initial} outside [{lower}, {upper}]")
    app.files[file_no] = ValueFile(initial, lower, upper, access)


def create_cyclic_record_file(
    app: Application, file_no: int, record_size: int, max_records: int, access: Access
) -> None:
    app.files[file_no] = RecordFile(record_size, max_records, access)


def personalise_breka(state: CardState, masters: dict[int, bytes], balance: int = 0) -> CardState:
    """Create the Breka-DF application on a blank card with keys diversified from `masters`."""
    app = create_application(state, AID, KEY_COUNT)
    for key_no in range(KEY_COUNT):
        change_key(app, key_no, breka.card_key(masters[key_no], state.uid, key_no))
    create_value_file(
        app,
        VALUE_FILE,
        0,
        UPPER_LIMIT,
        balance,
        Access(read=breka.KEY_READ, write=breka.KEY_DEBIT, read_write=breka.KEY_LOAD, change=breka.KEY_MASTER),
    )
    create_cyclic_record_file(
        app,
        LOG_FILE,
        RECORD_SIZE,
        LOG_RECORDS,
        Access(read=breka.KEY_READ, write=breka.KEY_LOAD, read_write=breka.KEY_LOAD, change=breka.KEY_MASTER),
    )
    return state


def issue_breka_card(path: Path, masters: dict[int, bytes], balance: int = 0, uid: bytes | None = None) -> CardState:
    """Blank card → Breka application → saved state file (refuses to overwrite a card)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists: a card is issued once")
    state = personalise_breka(blank_card(uid), masters, balance)
    state.save(path)
    return state
