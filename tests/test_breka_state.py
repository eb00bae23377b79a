"""The virtual Breka card's state file and its issuing steps."""

from __future__ import annotations

import os
import uuid

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka_load import load, open_for_load
from kiosk.log import TRAFFIC
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from kiosk_demo.breka_state import (
    CardState,
    RecordFile,
    ValueFile,
    blank_card,
    create_application,
    issue_breka_card,
    save_atomically,
)
from tests.breka_doubles import DirectConnection, MemoryJournal, issue_card


def test_issuing_creates_the_layout_of_the_spec(tmp_path):
    state = issue_breka_card(tmp_path / "c.json", DEMO_MASTER_KEYS, balance=42)
    app = state.applications[breka.AID]
    value, log = app.files[breka.VALUE_FILE], app.files[breka.LOG_FILE]
    assert isinstance(value, ValueFile) and isinstance(log, RecordFile)
    assert (value.value, value.lower, value.upper, value.comm_mode) == (42, 0, 1_000_000, 1)
    assert vars(value.access) == {"read": 3, "write": 2, "read_write": 1, "change": 0}
    assert (log.record_size, log.max_records, log.usable, log.comm_mode) == (32, 11, 10, 1)
    assert vars(log.access) == {"read": 3, "write": 1, "read_write": 1, "change": 0}
    assert [app.keys[i] for i in range(5)] == [breka.card_key(DEMO_MASTER_KEYS[i], state.uid, i) for i in range(5)]
    assert CardState.load(tmp_path / "c.json").to_json() == state.to_json()


def test_issuing_refuses_bad_values(tmp_path):
    with pytest.raises(ValueError):
        issue_breka_card(tmp_path / "c.json", DEMO_MASTER_KEYS, balance=1_000_001)
    assert not (tmp_path / "c.json").exists()
    with pytest.raises(ValueError):
        blank_card(b"\x04\x01")
    card = blank_card()
    create_application(card, breka.AID, 5)
    with pytest.raises(ValueError):
        create_application(card, breka.AID, 5)


def test_atomic_save_replaces_whole_files_only(tmp_path):
    path = tmp_path / "s.json"
    save_atomically(path, b"old")
    save_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["s.json"]  # no temporary left behind


def test_only_commit_writes_the_file_and_a_new_power_up_sees_it(tmp_path):
    card = issue_card(tmp_path, balance=10)
    before = card.path.read_bytes()
    session = open_for_load(DirectConnection(card), DEMO_MASTER_KEYS[1])
    session.credit(5)
    assert card.path.read_bytes() == before  # pending changes never reach the file
    session.commit()
    reborn = BrekaCard.open(card.path)
    assert reborn.state.applications[breka.AID].files[1].value == 15


def test_no_key_material_in_the_traffic_log(tmp_path, caplog):
    card = issue_card(tmp_path, balance=10)
    master = DEMO_MASTER_KEYS[1]
    with caplog.at_level(TRAFFIC, logger="kiosk.cardio.traffic"):
        load(open_for_load(DirectConnection(card), master), uuid.uuid4(), 5, MemoryJournal())
    text = caplog.text.replace(" ", "").lower()
    assert "900c00000d" in text  # the trace is there ...
    for key in (master, breka.card_key(master, card.uid, 1)):
        assert key.hex() not in text  # ... but no key in it
