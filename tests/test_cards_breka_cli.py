"""`kiosk cards issue breka` and `kiosk cards serve breka`, the way a technician runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from kiosk.cardio import breka
from kiosk.cardio.breka_load import LoadOutcomeUnknown, load, open_for_load
from kiosk.cli import main
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import wait_for_state
from kiosk.secrets import Secret, require_secret, set_secret
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from kiosk_demo.breka_state import CardState
from tests.breka_doubles import DirectConnection, MemoryJournal

ROOT = Path(__file__).resolve().parents[1]


def kiosk(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30, **kw
    )


def test_issue_prints_the_uid_and_personalises_the_card(tmp_path):
    state = tmp_path / "card.json"
    done = kiosk("cards", "issue", "breka", "--state", str(state), "--balance", "1200")
    assert done.returncode == 0, done.stderr
    uid = bytes.fromhex(done.stdout.strip())
    card = CardState.load(state)
    assert card.uid == uid and len(uid) == 7
    app = card.applications[breka.AID]
    assert app.files[breka.VALUE_FILE].value == 1200
    assert app.keys[breka.KEY_LOAD] == breka.card_key(DEMO_MASTER_KEYS[1], uid, breka.KEY_LOAD)
    assert len(set(app.keys)) == 5


@pytest.mark.parametrize(
    "argv, stderr",
    [
        (["--balance", "1000001"], "--balance must be 0..1,000,000"),
        (["--balance", "-5"], "--balance must be"),
    ],
)
def test_issue_rejects_bad_balances_on_one_line(tmp_path, argv, stderr):
    done = kiosk("cards", "issue", "breka", "--state", str(tmp_path / "c.json"), *argv)
    assert done.returncode == 2
    assert stderr in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("kiosk cards: 残高")
    assert not (tmp_path / "c.json").exists()


def test_a_card_is_issued_once(tmp_path):
    state = tmp_path / "c.json"
    assert kiosk("cards", "issue", "breka", "--state", str(state)).returncode == 0
    before = state.read_bytes()
    done = kiosk("cards", "issue", "breka", "--state", str(state))
    assert done.returncode == 2 and "発行済み" in done.stderr
    assert state.read_bytes() == before


def test_issue_with_keyring_masters_matches_what_the_kiosk_loads_with(tmp_path, capsys):
    load_master, read_master = bytes(range(16)), bytes(range(16, 32))
    set_secret(Secret.BREKA_LOAD_MASTER, load_master)
    set_secret(Secret.BREKA_READ_MASTER, read_master)
    assert main(["cards", "issue", "breka", "--state", str(tmp_path / "k.json"), "--masters", "keyring"]) == 0
    from kiosk_demo.breka_card import BrekaCard

    session = open_for_load(
        DirectConnection(BrekaCard.open(tmp_path / "k.json")), require_secret(Secret.BREKA_LOAD_MASTER)
    )  # K1 as the kiosk's keyring holds it
    assert session.authenticated and session.balance() == 0
    assert load_master.hex() not in capsys.readouterr().out
    assert load_master.hex() not in (tmp_path / "k.json").read_text()  # only diversified keys


def test_issue_with_keyring_masters_missing_is_a_usage_error(tmp_path, capsys):
    assert main(["cards", "issue", "breka", "--state", str(tmp_path / "k.json"), "--masters", "keyring"]) == 2
    assert "breka-k1-master" in capsys.readouterr().err


@pytest.mark.pcsc
def test_serve_puts_the_card_in_the_reader_and_commits_survive(vpcd_slot, tmp_path):
    state = tmp_path / "card.json"
    assert kiosk("cards", "issue", "breka", "--state", str(state), "--balance", "10").returncode == 0
    ctx = PcscContext()
    assert wait_for_state(ctx, vpcd_slot.reader, lambda st: not st.present)
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "cards",
            "serve",
            "breka",
            "--state",
            str(state),
            "--port",
            str(vpcd_slot.port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = wait_for_state(ctx, vpcd_slot.reader, lambda st: st.present, 10)
        assert seen is not None
        assert seen.atr == bytes.fromhex("3B8180018080")
        conn = ctx.connect(vpcd_slot.reader)
        assert load(open_for_load(conn, DEMO_MASTER_KEYS[1]), uuid.uuid4(), 90, MemoryJournal()) == 100
        conn.close()
    finally:
        serve.terminate()
        out, err = serve.communicate(timeout=10)
    assert serve.returncode == 0, err
    assert "card removed after 9 APDUs" in out
    assert json.loads(state.read_text())["applications"]["42524b"]["files"]["1"]["value"] == 100
    assert wait_for_state(ctx, vpcd_slot.reader, lambda st: not st.present and st.event_count != seen.event_count)
    ctx.release()


@pytest.mark.pcsc
def test_serve_with_removal_after_commit_keeps_the_commit(vpcd_slot, tmp_path):
    state = tmp_path / "card.json"
    assert kiosk("cards", "issue", "breka", "--state", str(state)).returncode == 0
    ctx = PcscContext()
    assert wait_for_state(ctx, vpcd_slot.reader, lambda st: not st.present)
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "cards",
            "serve",
            "breka",
            "--state",
            str(state),
            "--port",
            str(vpcd_slot.port),
            "--remove-after",
            "9",
            "--remove-mode",
            "after",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = wait_for_state(ctx, vpcd_slot.reader, lambda st: st.present, 10)
        assert seen is not None
        conn = ctx.connect(vpcd_slot.reader)
        with pytest.raises(LoadOutcomeUnknown):
            load(open_for_load(conn, DEMO_MASTER_KEYS[1]), uuid.uuid4(), 7, MemoryJournal())
        conn.close()
        out, err = serve.communicate(timeout=10)  # the card left by itself
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(10)
    assert serve.returncode == 0 and "(removed-after)" in out
    assert CardState.load(state).applications[breka.AID].files[1].value == 7
    assert wait_for_state(ctx, vpcd_slot.reader, lambda st: not st.present and st.event_count != seen.event_count)
    ctx.release()
