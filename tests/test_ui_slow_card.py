"""Calm screens with slow cards: while the My Number Card signs or the Breka card commits, the
busy screen shows progress and the one instruction "カードを動かさないでください".

The first test drives the window with the stand-in worker; the second runs the whole
exchange through the GUI with cards served under the `contactless` profile at its real
timing (a 450 ms RSA signature, a 40 ms commit) over pcscd, and checks the GUI thread never
stalls and the instruction is up within 100 ms of the card receiving the command.
"""

from __future__ import annotations

import time

import pytest

from kiosk.exchange.view import Phase, View
from tests.card_profile_fixtures import test_profile
from tests.exchange_world import World, breka_balance
from tests.test_ui_flow import UiWorld

HOLD_STILL_JA = "カードを動かさないでください"


def test_the_busy_screen_says_only_do_not_move_the_card_while_the_card_works(kiosk, qtbot):
    win, worker, _store = kiosk
    worker.view_changed.emit(View(phase=Phase.PIN, tries_left=3))
    worker.busy_changed.emit("pin")
    loading = win.pages["loading"]
    assert win.current_page() == "loading" and loading.keep.isVisible() and not loading.still.isVisible()
    worker.long_command.emit("sign")
    qtbot.waitUntil(lambda: loading.still.isVisible(), timeout=1000)
    assert loading.still.text() == HOLD_STILL_JA and not loading.keep.isVisible()
    assert loading.bar.isVisible()  # progress stays
    worker.busy_changed.emit("")  # the event ended: the next screen, and the hint is reset
    assert win.current_page() == "pin"
    worker.busy_changed.emit("card")
    assert loading.keep.isVisible() and not loading.still.isVisible()
    worker.busy_changed.emit("")
    worker.long_command.emit("commit")  # a late hint with nothing running changes nothing
    qtbot.wait(20)
    assert win.current_page() == "pin"


@pytest.mark.pcsc
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_contactless_cards_keep_the_gui_thread_free_and_the_instruction_up_in_time(qtbot, world_dir, cloud, vpcd_slot):
    profile = test_profile("contactless", scale=1.0)  # the real figures: this is about blocking
    world = World(world_dir, cloud.url, vpcd_slot, timeout_s=2, profile=profile)
    ui = UiWorld(qtbot, world, vpcd_slot)
    try:
        loading = ui.win.pages["loading"]
        shown: list[tuple[str, float, bool, str]] = []

        def seen(what: str) -> None:  # runs after the window's own slot (connection order)
            shown.append((what, time.monotonic(), loading.still.isVisibleTo(ui.win), loading.still.text()))

        ui.kiosk.worker.long_command.connect(seen)
        mynumber, breka, _ = ui.citizen(points=10_000)
        ui.kiosk.heartbeat.reset()
        with ui.on_reader(mynumber) as holder:
            ui.wait_page("pin")
            ui.enter_pin()
            ui.wait_page("amount")
            card_sign = [t for t, ins in holder.link.shaper.busy_log if ins == b"\x80\x2a"]
        ui.choose("500")
        ui.confirm()
        with ui.on_reader(breka) as holder:
            ui.wait_page("done")
            card_commit = [t for t, ins in holder.link.shaper.busy_log if ins == b"\x90\xc7"]
        gap = ui.kiosk.heartbeat.max_gap_ms
        assert breka_balance(breka) == 455
        assert [s[0] for s in shown] == ["sign", "commit"]
        assert len(card_sign) == 1 and len(card_commit) == 1
        for (what, gui_t, visible, text), card_t in zip(shown, card_sign + card_commit, strict=True):
            assert visible and text == HOLD_STILL_JA, what
            lag_ms = (gui_t - card_t) * 1000
            print(f"{what}: instruction shown {lag_ms:+.1f} ms from the card receiving the command")
            assert lag_ms < 100, f"{what}: the instruction came {lag_ms:.0f} ms after the command"
        print(f"longest gap between GUI heartbeats: {gap:.1f} ms")
        assert ui.kiosk.heartbeat.ticks > 20 and gap < 250  # a blocking check, not a benchmark
    finally:
        ui.stop()
        world.admin.clear_faults()
        world.close()
