"""`kiosk cards issue|serve mynumber` as training staff use them: real processes over pcscd."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading

import pytest

from kiosk.cardio.errors import CardRemoved, PinIncorrect
from kiosk.cardio.mynumber import MyNumberSession
from kiosk.pcsc.context import PcscContext
from kiosk_demo.jpki_ca import TestJpkiCa
from kiosk_demo.mynumber_state import CardState
from tests.mynumber_helpers import connect, run_flow, verify_signature, wait_card

KIOSK = [sys.executable, "-m", "kiosk"]


def _kiosk(*args, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cards")
    state = directory / "citizen.json"
    proc = _kiosk("cards", "issue", "mynumber", "--state", str(state), "--pin", "4321")
    assert proc.returncode == 0, proc.stderr
    return state, proc.stdout.strip()


def test_issue_prints_the_auth_certificate_serial_and_uses_the_default_ca(issued):
    state_path, printed = issued
    state = CardState.load(state_path)
    cert = state.auth_certificate()
    assert printed == f"{cert.serial_number:X}"
    ca = TestJpkiCa.open(state_path.parent / "jpki-ca")  # the default: <state dir>/jpki-ca
    assert cert.issuer == ca.auth.cert.subject
    assert (state.auth_tries, state.sign_tries) == (3, 5)
    assert state.auth_pin_matches(b"4321") and not state.auth_pin_matches(b"1234")
    assert "4321" not in state_path.read_text()  # the state file never shows the PIN
    assert state_path.stat().st_mode & 0o077 == 0  # it holds private keys


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--pin", "12a4"], "--pin"),
        (["--pin", "12345"], "--pin"),
        (["--sign-password", "abc123"], "--sign-password"),
        (["--sign-password", "AB12"], "--sign-password"),
    ],
)
def test_issue_refuses_bad_secrets_with_one_line_and_status_2(tmp_path, args, fragment):
    proc = _kiosk("cards", "issue", "mynumber", "--state", str(tmp_path / "c.json"), *args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr
    assert not (tmp_path / "c.json").exists()


def test_issue_never_overwrites_a_card_without_force(issued, tmp_path):
    state_path, _ = issued
    before = state_path.read_bytes()
    proc = _kiosk("cards", "issue", "mynumber", "--state", str(state_path))
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert state_path.read_bytes() == before


def test_serve_refuses_a_missing_state_file(tmp_path):
    proc = _kiosk("cards", "serve", "mynumber", "--state", str(tmp_path / "none.json"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content", ["", "{}", '{"format": "kiosk-virtual-mynumber/1"}', "probe\n"])
def test_serve_refuses_a_file_that_is_not_a_my_number_card(tmp_path, content):
    state = tmp_path / "other.json"
    state.write_text(content)
    proc = _kiosk("cards", "serve", "mynumber", "--state", str(state))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "My Number" in proc.stderr


def test_serve_fails_with_status_1_when_vpcd_is_not_there(issued):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _kiosk("cards", "serve", "mynumber", "--state", str(issued[0]), "--port", str(port))
    assert proc.returncode == 1 and "vpcd" in proc.stderr


class Served:
    """`kiosk cards serve mynumber` in the background; waits for its 'inserted' line."""

    def __init__(self, state, slot, *extra):
        self.proc = subprocess.Popen(
            [*KIOSK, "cards", "serve", "mynumber", "--state", str(state), "--port", str(slot.port), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._first = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._first.wait(15), f"serve did not start: {self.proc.poll()}"

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            self._first.set()
        self._first.set()

    def stop(self, sig) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(10)


@pytest.mark.pcsc
def test_serve_over_pcscd_survives_restarts_and_stops_cleanly(vpcd_slot, issued):
    state, _ = issued
    with PcscContext() as ctx:
        wait_card(ctx, vpcd_slot.reader, present=False)
        served = Served(state, vpcd_slot)
        conn = connect(ctx, vpcd_slot.reader)
        cert, signature = run_flow(conn, pin="4321", challenge=b"training")
        verify_signature(cert, signature, b"training")
        session = MyNumberSession(conn)
        with pytest.raises(PinIncorrect):
            session.verify_pin("0000")
        conn.close()
        assert served.stop(signal.SIGTERM) == 0
        assert "card removed" in served.lines[-1]
        wait_card(ctx, vpcd_slot.reader, present=False)

        served = Served(state, vpcd_slot)  # a new card process: the count is still 2
        conn = connect(ctx, vpcd_slot.reader)
        assert MyNumberSession(conn).tries_left() == 2
        conn.close()
        assert served.stop(signal.SIGINT) == 0  # Ctrl-C
        wait_card(ctx, vpcd_slot.reader, present=False)
        assert served.proc.stderr.read() == ""  # no traceback on either signal
    assert CardState.load(state).auth_tries == 2


@pytest.mark.pcsc
def test_serve_remove_after_tears_the_card_away(vpcd_slot, issued):
    state, _ = issued
    with PcscContext() as ctx:
        wait_card(ctx, vpcd_slot.reader, present=False)
        served = Served(state, vpcd_slot, "--remove-after", "3", "--remove-mode", "after")
        conn = connect(ctx, vpcd_slot.reader)
        with pytest.raises(CardRemoved):
            run_flow(conn, pin="4321")
        conn.close()
        assert served.proc.wait(10) == 0
        assert "after 3 APDUs (removed-after)" in served.lines[-1]
        wait_card(ctx, vpcd_slot.reader, present=False)
