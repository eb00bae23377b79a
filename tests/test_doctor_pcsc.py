"""`kiosk doctor`'s PC/SC checks on the real pcscd with vpcd and the virtual cards."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.diagnostics.pcsc_checks import _readers
from kiosk.pcsc.context import PcscContext
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import CardState
from kiosk_demo.probe_card import ProbeCard
from tests.breka_doubles import issue_card
from tests.doctor_helpers import doctor, provision, set_staff_pins, write_config
from tests.mynumber_helpers import connect, inserted

pytestmark = pytest.mark.pcsc


@pytest.fixture
def ctx():
    with PcscContext() as context:
        yield context


class RecordingMyNumberCard(MyNumberCard):
    def process(self, apdu: bytes) -> bytes:
        self.instructions = getattr(self, "instructions", []) + [apdu[1]]
        return super().process(apdu)


def _cfg(tmp_path, slot, **kw):
    return write_config(tmp_path / "config.toml", reader=slot.reader, **kw)


def test_everything_passes_on_a_provisioned_kiosk(tmp_path, vpcd_slot, sim, capsys):
    term = sim.terminal()
    provision(terminal_secret=term.secret)
    set_staff_pins(tmp_path / "kiosk.sqlite3")
    code, by = doctor(_cfg(tmp_path, vpcd_slot, url=sim.url, terminal_id=term.terminal_id), capsys)
    assert code == 0, {k: v for k, v in by.items() if not v["ok"]}
    assert "(仮想 / virtual)" in by["readers"]["detail"] and vpcd_slot.reader in by["readers"]["detail"]
    assert by["card"]["detail"].startswith("カードなし")


def test_a_my_number_card_is_named_with_only_jpki_selected_and_no_pin(tmp_path, vpcd_slot, ctx, card_file, capsys):
    card = RecordingMyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx):
        connect(ctx, vpcd_slot.reader).close()  # pcscd has powered it: the doctor meets a ready card
        code, by = doctor(_cfg(tmp_path, vpcd_slot), capsys)
    assert by["card"]["ok"] and "My Number Card" in by["card"]["detail"], by["card"]
    assert "T=1, 非接触 / contactless" in by["card"]["detail"]  # the protocol and the interface are named
    assert card.foreign_selects == []
    assert 0x20 not in card.instructions  # no VERIFY, not even the empty one
    assert CardState.load(card_file).auth_tries == 3


def test_a_breka_card_is_named(tmp_path, vpcd_slot, ctx, capsys):
    card = issue_card(tmp_path)
    with inserted(card, vpcd_slot, ctx):
        connect(ctx, vpcd_slot.reader).close()
        code, by = doctor(_cfg(tmp_path, vpcd_slot), capsys)
    assert by["card"]["ok"] and "Breka card" in by["card"]["detail"], by["card"]
    assert "type B not proven" in by["card"]["hint"]  # a type A card says nothing about type B


def test_a_contact_t0_card_is_named_with_its_protocol(tmp_path, vpcd_slot, ctx, card_file, capsys):
    from tests.card_profile_fixtures import test_profile

    card = MyNumberCard.open(card_file)
    with inserted(card, vpcd_slot, ctx, profile=test_profile("contact-t0")):
        connect(ctx, vpcd_slot.reader).close()
        code, by = doctor(_cfg(tmp_path, vpcd_slot), capsys)
    assert by["card"]["ok"] and "My Number Card" in by["card"]["detail"], by["card"]
    assert "T=0, 接触 / contact (ATR offers T=0)" in by["card"]["detail"]


def test_an_unknown_card_fails_with_its_atr(tmp_path, vpcd_slot, ctx, capsys):
    with inserted(ProbeCard(), vpcd_slot, ctx):
        connect(ctx, vpcd_slot.reader).close()
        code, by = doctor(_cfg(tmp_path, vpcd_slot), capsys)
    assert code == 1 and not by["card"]["ok"] and "3B 80 80 01 01" in by["card"]["detail"]


@pytest.mark.parametrize("exclusive", [True, False])
def test_another_program_holding_the_reader_is_reported_and_its_card_left_alone(
    tmp_path, vpcd_slot, ctx, capsys, exclusive
):
    card = ProbeCard()
    with inserted(card, vpcd_slot, ctx):
        connect(ctx, vpcd_slot.reader).close()
        held = ctx.connect(vpcd_slot.reader, exclusive=exclusive)  # as scdaemon would
        before = len(card.received)
        try:
            code, by = doctor(_cfg(tmp_path, vpcd_slot), capsys)
        finally:
            held.close()
    assert code == 1
    assert not by["reader_access"]["ok"] and ("exclusive" if exclusive else "shared") in by["reader_access"]["detail"]
    assert "scdaemon" in by["reader_access"]["hint"]
    assert not by["card"]["ok"] and "not checked" in by["card"]["detail"]
    assert len(card.received) == before  # the doctor sent nothing to a card in someone else's hands


def test_a_stopped_pcsc_service_is_reported_with_how_to_start_it(tmp_path, vpcd_slot):
    cfg = _cfg(tmp_path, vpcd_slot)
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}  # a pcscd that is not there
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(cfg), "doctor", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    by = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert not by["pcsc_service"]["ok"] and "not available" in by["pcsc_service"]["detail"]
    assert "systemctl enable --now pcscd" in by["pcsc_service"]["hint"]
    assert all(not by[n]["ok"] for n in ("readers", "reader_access", "card"))


def test_a_virtual_reader_picked_implicitly_fails_but_a_named_one_passes():
    readers = ["Virtual PCD 00 00", "Virtual PCD 00 01"]
    chosen, result = _readers(readers, "")
    assert chosen == "Virtual PCD 00 00" and not result.ok and "virtual" in result.detail
    chosen, result = _readers(["SONY FeliCa Port/PaSoRi 4.0 00 00", *readers], "")
    assert result.ok and chosen.startswith("SONY")
    assert _readers(readers, "Virtual PCD 00 01")[1].ok
    chosen, result = _readers(readers, "ACS ACR1252")
    assert chosen is None and not result.ok and "ACS ACR1252" in result.detail
    assert not _readers([], "")[1].ok
