"""kiosk.pcsc.context: sharing violations, power-down, context rebuild."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
import smartcard
from smartcard import scard

from kiosk.cardio.errors import NoCard, ServiceUnavailable, SharingViolation
from kiosk.pcsc import context as pcsc
from kiosk.pcsc.context import PcscContext
from kiosk_demo.probe_card import PROBE_ATR, ProbeCard
from tests.conftest import wait_for
from tests.mynumber_helpers import connect, inserted, wait_card

HOLDER = """
import sys
from smartcard import scard
code, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
mode = scard.SCARD_SHARE_EXCLUSIVE if sys.argv[2] == "exclusive" else scard.SCARD_SHARE_SHARED
code, card, proto = scard.SCardConnect(ctx, sys.argv[1], mode, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
print("ready" if code == 0 else f"failed {code:x}", flush=True)
sys.stdin.readline()
scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
"""


@pytest.fixture
def named_holder(tmp_path):
    """Start a program called `scdaemon` (a python behind that name) holding the reader."""
    exe = tmp_path / "scdaemon"
    os.symlink(sys.executable, exe)
    procs = []

    def start(reader: str, mode: str) -> subprocess.Popen:
        # Behind a symlink the interpreter does not find the venv: point it at pyscard.
        site = os.path.dirname(os.path.dirname(smartcard.__file__))
        proc = subprocess.Popen(
            [str(exe), "-c", HOLDER, reader, mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=site),
        )
        procs.append(proc)
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in procs:
        release(proc)


def release(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(10)


@pytest.mark.pcsc
def test_shared_fallback_and_sharing_violation_name_the_holder(vpcd_slot, named_holder, caplog):
    caplog.set_level(logging.WARNING, logger="kiosk.pcsc.context")
    with PcscContext() as ctx, inserted(ProbeCard(), vpcd_slot, ctx):
        wait_card(ctx, vpcd_slot.reader)
        holder = named_holder(vpcd_slot.reader, "shared")
        conn = ctx.connect(vpcd_slot.reader)  # exclusive refused: shared instead
        assert conn.shared and conn.atr == PROBE_ATR
        assert conn.transmit(bytes.fromhex("00CA010000")).ok
        conn.close()
        assert f"scdaemon (pid {holder.pid})" in caplog.text
        release(holder)

        holder = named_holder(vpcd_slot.reader, "exclusive")
        with pytest.raises(SharingViolation) as exc:
            ctx.connect(vpcd_slot.reader)
        assert f"scdaemon (pid {holder.pid})" in exc.value.holders
        assert "scdaemon" in str(exc.value)


@pytest.mark.pcsc
def test_connect_to_an_empty_reader_says_no_card(vpcd_slot):
    with PcscContext() as ctx:
        wait_card(ctx, vpcd_slot.reader, present=False)
        with pytest.raises(NoCard):
            ctx.connect(vpcd_slot.reader)
        assert vpcd_slot.reader in ctx.list_readers()


@pytest.mark.pcsc
def test_close_powers_the_card_down(vpcd_slot):
    card = ProbeCard()
    with PcscContext() as ctx, inserted(card, vpcd_slot, ctx):
        conn = connect(ctx, vpcd_slot.reader)
        assert card.powered
        conn.close()
        wait_for(lambda: not card.powered)  # the power-off frame needs no answer: it may lag


def test_context_is_rebuilt_after_the_service_restarted(monkeypatch):
    """Unit test with pyscard's scard calls replaced: the service 'restarts' between calls."""
    contexts = iter(range(100, 200))
    valid: set[int] = set()
    calls: list[str] = []

    def establish(scope):
        h = next(contexts)
        valid.add(h)
        calls.append(f"establish {h}")
        return scard.SCARD_S_SUCCESS, h

    def is_valid(h):
        return scard.SCARD_S_SUCCESS if h in valid else scard.SCARD_E_INVALID_HANDLE

    def list_readers(h, groups):
        calls.append(f"list {h}")
        if h not in valid:
            return scard.SCARD_E_NO_SERVICE, []
        return scard.SCARD_S_SUCCESS, ["R0"]

    monkeypatch.setattr(pcsc.scard, "SCardEstablishContext", establish)
    monkeypatch.setattr(pcsc.scard, "SCardIsValidContext", is_valid)
    monkeypatch.setattr(pcsc.scard, "SCardListReaders", list_readers)
    monkeypatch.setattr(pcsc.scard, "SCardReleaseContext", lambda h: valid.discard(h) or 0)
    ctx = PcscContext()
    assert ctx.list_readers() == ["R0"]
    valid.clear()  # pcscd restarted: every old handle is dead, detected up front
    assert ctx.list_readers() == ["R0"]
    assert calls == ["establish 100", "list 100", "establish 101", "list 101"]

    # Dead but still "valid" (the service died between the check and the call): retried once.
    monkeypatch.setattr(pcsc.scard, "SCardIsValidContext", lambda h: scard.SCARD_S_SUCCESS)
    valid.clear()
    calls.clear()
    assert ctx.list_readers() == ["R0"]
    assert calls == ["list 101", "establish 102", "list 102"]

    # No service at all: a clear error, not a hang.
    monkeypatch.setattr(pcsc.scard, "SCardEstablishContext", lambda scope: (scard.SCARD_E_NO_SERVICE, 0))
    valid.clear()
    with pytest.raises(ServiceUnavailable, match="pcscd"):
        ctx.list_readers()
