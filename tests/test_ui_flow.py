"""The whole counter flow driven through the GUI (pytest-qt), over the real pcscd, the
virtual cards swapped on one reader and the cloud simulator process. The GUI gets its
views from the card worker thread; the test only clicks and waits (no sleeps)."""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from kiosk.app import build
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk.ui.app import Kiosk
from kiosk.ui.window import UiSettings
from tests.exchange_world import World, breka_balance

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(180)]
_names = itertools.count()
WAIT_MS = 15_000


class UiWorld:
    """A World whose kiosk runs the real GUI: the card worker owns a PC/SC context of its own."""

    def __init__(self, qtbot, world: World, slot, idle_timeout_s: int = 60):
        self.qtbot, self.world = qtbot, world
        world.parts.close()  # rebuilt below with a context owned by the card worker
        world.parts = build(world.cfg, reader=PcscReader(slot.reader, PcscContext()))
        world.engine = world.parts.engine
        settings = UiSettings.from_config(world.cfg)
        settings.idle_timeout_s = idle_timeout_s
        self.kiosk = Kiosk(world.cfg, world.parts, reader_name=slot.reader, settings=settings)
        self.win = self.kiosk.window
        qtbot.addWidget(self.win)
        self.win.resize(1280, 800)
        self.kiosk.start()

    @contextmanager
    def on_reader(self, card, **insert_args):
        """The card on the reader for the block, put there and taken away by a helper thread, so
        the GUI thread (this one) keeps running its event loop, as at the real counter."""
        inside, leave, box = threading.Event(), threading.Event(), {}

        def hold():
            try:
                with self.world.on_reader(card, **insert_args) as holder:
                    box["holder"] = holder
                    inside.set()
                    leave.wait(60)
            except BaseException as exc:  # noqa: BLE001 - reported on the test thread
                box["error"] = exc
                inside.set()

        thread = threading.Thread(target=hold, name="counter", daemon=True)
        thread.start()
        self.qtbot.waitUntil(inside.is_set, timeout=WAIT_MS)
        if "error" in box:
            raise box["error"]
        try:
            yield box["holder"]
        finally:
            leave.set()
            self.qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT_MS)
        if "error" in box:
            raise box["error"]

    def citizen(self, points: int = 10_000, breka_balance: int = 0):
        return self.world.citizen(f"ui-{next(_names)}", points=points, breka_balance=breka_balance)

    def wait_page(self, name: str, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.win.current_page() == name and not self.win.busy, timeout=timeout)

    def click(self, widget) -> None:
        assert widget.isEnabled(), widget.text()
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def keys(self, keypad, digits: str) -> None:
        for d in digits:
            self.click(keypad.keys[d])

    def enter_pin(self, pin: str = "1234") -> None:
        page = self.win.pages["pin"]
        self.keys(page.keypad, pin)
        assert page.entry.text() == "●" * len(pin)  # masked
        self.click(page.ok)

    def sign_in(self, mynumber, pin: str = "1234") -> None:
        """My Number Card on the reader, PIN typed: the amount screen (the card stays until then)."""
        with self.on_reader(mynumber):
            self.wait_page("pin")
            self.enter_pin(pin)
            self.wait_page("amount")

    def choose(self, digits: str) -> None:
        page = self.win.pages["amount"]
        self.keys(page.keypad, digits)
        self.click(page.next)
        self.wait_page("confirm")

    def confirm(self) -> None:
        self.click(self.win.pages["confirm"].ok)
        self.wait_page("tap_breka")

    def stop(self) -> None:
        self.kiosk.stop()


@pytest.fixture
def ui(qtbot, world_dir, cloud, vpcd_slot):
    world = World(world_dir, cloud.url, vpcd_slot, timeout_s=2)
    u = UiWorld(qtbot, world, vpcd_slot)
    yield u
    u.stop()
    world.admin.clear_faults()
    world.close()


def test_success_through_the_screens(ui):
    mynumber, breka, mykey = ui.citizen(points=10_000)
    assert ui.win.current_page() == "wait"
    ui.kiosk.heartbeat.reset()
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    assert "10,000" in amount.usable.text()
    ui.keys(amount.keypad, "500")
    assert "45" in amount.quote.text() and "455" in amount.quote.text()  # fee and Breka points as typed
    ui.click(amount.next)
    ui.wait_page("confirm")
    assert [v.text() for v in ui.win.pages["confirm"].values] == ["500", "45", "455"]
    ui.confirm()
    with ui.on_reader(breka):
        ui.wait_page("done")
    stall = ui.kiosk.heartbeat.max_stall_ms
    receipt = ui.win.view.receipt
    assert (receipt.points_used, receipt.fee, receipt.loaded) == (500, 45, 455)
    assert "455" in ui.win.pages["done"].loaded.text()
    assert breka_balance(breka) == 455
    assert ui.world.parts.journal.get(receipt.exchange_id).state is Step.COMMITTED
    assert ui.world.usable(mynumber) == 9_500
    ui.click(ui.win.pages["done"].ok)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "wait" and ui.win.view.receipt is None)
    print(
        f"longest GUI-thread stall during the exchange: {stall:.1f} ms; first screen {ui.kiosk.first_screen_ms:.0f} ms"
    )
    # A blocking call on the GUI thread (a card or cloud call) stalls it for seconds; the speed
    # itself (target < 50 ms) is measured by `kiosk bench`, not judged here (timed tests flake).
    assert ui.kiosk.heartbeat.ticks > 10 and stall < 1000


class _ButtonPresses(QObject):
    """Counts every press of a screen button, whatever sends it (an application event filter)."""

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(watched, QAbstractButton):
            self.presses += 1
        return False


def test_tap_to_breka_points_takes_at_most_ten_touches(ui):
    """The citizen's path (issue 15): the My Number Card, four PIN digits and OK, a preset
    amount, next, exchange, the Breka card. Button presses are counted as Qt delivers them."""
    mynumber, breka, _ = ui.citizen(points=10_000)
    presses = _ButtonPresses()
    QApplication.instance().installEventFilter(presses)
    try:
        with ui.on_reader(mynumber):
            ui.wait_page("pin")
            ui.enter_pin()
            ui.wait_page("amount")
        amount = ui.win.pages["amount"]
        points, preset = amount.quick[0]
        ui.click(preset)
        ui.click(amount.next)
        ui.wait_page("confirm")
        ui.confirm()
        with ui.on_reader(breka):
            ui.wait_page("done")
    finally:
        QApplication.instance().removeEventFilter(presses)
    assert ui.win.view.receipt.points_used == points
    assert presses.presses + 2 <= 10, presses.presses  # + the two cards put down


def test_card_lifted_at_the_pin_screen_is_said_before_any_pin_is_typed(ui):
    mynumber, _, _ = ui.citizen()
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
    ui.wait_page("wait")  # the monitor saw the card go: no PIN typed, no submit
    assert ui.win.view.problem.code == "card_removed"
    assert not ui.win.pages["pin"].entry.text().strip()
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.enter_pin()
        ui.wait_page("amount")


def test_taking_the_my_number_card_away_keeps_the_amount_being_typed(ui):
    mynumber, _, _ = ui.citizen()
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.enter_pin()
        ui.wait_page("amount")
        amount = ui.win.pages["amount"]
        ui.keys(amount.keypad, "500")
        runs = ui.kiosk.worker.events_run
    ui.qtbot.waitUntil(lambda: ui.kiosk.worker.events_run > runs, timeout=WAIT_MS)  # the removal went through
    ui.qtbot.wait(50)
    assert amount.keypad.text() == "500" and ui.win.current_page() == "amount"


def test_a_breka_card_put_down_while_the_amount_is_typed_keeps_the_digits(ui):
    mynumber, breka, _ = ui.citizen()
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    ui.keys(amount.keypad, "700")
    runs = ui.kiosk.worker.events_run
    with ui.on_reader(breka):  # too early: the kiosk does not want it yet
        ui.qtbot.waitUntil(lambda: ui.kiosk.worker.events_run > runs, timeout=WAIT_MS)
        ui.wait_page("amount")
    assert amount.keypad.text() == "700"
    ui.click(amount.next)
    ui.wait_page("confirm")
    assert ui.win.pages["confirm"].values[0].text() == "700"


def test_wrong_pin_then_right(ui):
    mynumber, _breka, _ = ui.citizen()
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.enter_pin("9999")
        ui.qtbot.waitUntil(lambda: ui.win.view.problem is not None and not ui.win.busy, timeout=WAIT_MS)
        page = ui.win.pages["pin"]
        assert ui.win.current_page() == "pin" and page.banner.code == "wrong_pin"
        assert "2" in page.tries.text() and page.keypad.text() == ""
        ui.enter_pin("1234")
        ui.wait_page("amount")
    assert ui.win.view.usable == 10_000


def test_locked_card_sends_the_holder_to_the_municipal_office(ui):
    mynumber, _breka, _ = ui.citizen()
    page = ui.win.pages["pin"]
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        for left in (2, 1):
            ui.enter_pin("9999")
            ui.qtbot.waitUntil(lambda left=left: ui.win.view.tries_left == left and not ui.win.busy, timeout=WAIT_MS)
        ui.keys(page.keypad, "9999")
        ui.click(page.ok)
        assert page.last_try.isVisible()  # the plain warning, and nothing sent yet
        assert ui.win.view.tries_left == 1
        ui.click(page.last_go)
        ui.wait_page("locked")
    assert "市役所" in ui.win.pages["locked"].text.text()
    ui.click(ui.win.pages["locked"].back)
    ui.wait_page("wait")


def test_breka_card_tapped_first_asks_for_the_my_number_card(ui):
    _mynumber, breka, _ = ui.citizen()
    with ui.on_reader(breka):
        ui.qtbot.waitUntil(
            lambda: ui.win.pages["wait"].banner.code == "mynumber_first" and not ui.win.busy, timeout=WAIT_MS
        )
    assert ui.win.current_page() == "wait"
    assert "マイナンバーカード" in ui.win.pages["wait"].banner.instruction.text()


def test_card_pulled_during_the_load_then_tapped_again_loads_once(ui):
    mynumber, breka, _ = ui.citizen()
    ui.sign_in(mynumber)
    ui.choose("500")
    ui.confirm()
    exchange_id = ui.win.view.exchange_id
    with ui.on_reader(breka, remove_after=9, remove_mode="after") as holder:
        ui.qtbot.waitUntil(
            lambda: not ui.win.busy and (ui.win.view.problem is not None or ui.win.view.phase is Phase.DONE),
            timeout=WAIT_MS,
        )
        holder.wait_removed(timeout=2.0)
    if ui.win.view.phase is not Phase.DONE:
        assert ui.win.current_page() == "tap_breka"
        assert ui.win.pages["tap_breka"].banner.code in ("card_removed", "tap_same_card_again")
        with ui.on_reader(breka):
            ui.wait_page("done")
    assert ui.win.view.receipt.card_balance_after == 455 and breka_balance(breka) == 455
    assert ui.world.parts.journal.get(exchange_id).state is Step.COMMITTED
    assert ui.world.usable(mynumber) == 9_500


def test_cloud_down_shows_one_plain_error_and_nothing_is_held(ui):
    mynumber, _breka, _ = ui.citizen()
    ui.world.admin.fault("/v1/auth/holder", "error", count=50)  # the sign-in that brings the balance
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.enter_pin("1234")
        ui.wait_page("error")
    assert ui.win.pages["error"].code == "cloud_unavailable"
    assert "ポイントは減っていません" in ui.win.pages["error"].text.text()
    assert ui.world.parts.journal.unfinished() == []
    ui.click(ui.win.pages["error"].back)
    ui.wait_page("wait")


def test_idle_timeout_wipes_the_pin_and_the_amount(ui):
    mynumber, _breka, _ = ui.citizen()
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.keys(ui.win.pages["pin"].keypad, "12")
        ui.win.idle.setInterval(200)
        ui.win.touch()
        with ui.qtbot.waitSignal(ui.win.idle_reset, timeout=5000):
            pass
        assert ui.win.pages["pin"].keypad.text() == ""
        ui.qtbot.waitUntil(lambda: ui.win.view.phase is Phase.WAIT_MYNUMBER and not ui.win.busy)
    ui.win.idle.setInterval(60_000)
    ui.sign_in(mynumber)
    ui.keys(ui.win.pages["amount"].keypad, "500")
    ui.win.idle.setInterval(200)
    ui.win.touch()
    with ui.qtbot.waitSignal(ui.win.idle_reset, timeout=5000):
        pass
    ui.qtbot.waitUntil(lambda: ui.win.view.phase is Phase.WAIT_MYNUMBER and not ui.win.busy)
    assert ui.win.current_page() == "wait"
    assert ui.win.pages["amount"].keypad.text() == "" and ui.win.view.usable == 0 and ui.win.view.mykey_id is None
    assert ui.world.parts.journal.unfinished() == []


def test_clerk_approves_a_large_exchange_with_the_clerk_pin(ui):
    from kiosk.store import audit

    ui.kiosk.staff.set_pin("clerk", "246813", by="technician")
    mynumber, _breka, _ = ui.citizen(points=70_000)
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    ui.keys(amount.keypad, "60000")
    assert amount.banner.code == "needs_clerk_approval"
    ui.click(amount.next)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "staff_pin")
    staff = ui.win.pages["staff_pin"]
    ui.keys(staff.keypad, "246813")
    ui.click(staff.ok)  # no reason written: not checked
    assert ui.win.current_page() == "staff_pin"
    staff.reason.setText("町内会の一括交換")
    ui.keys(staff.keypad, "246813")
    ui.click(staff.ok)
    ui.wait_page("confirm")
    assert ui.win.view.points == 60_000
    (entry,) = audit.entries(ui.world.parts.store, action="approve_amount")
    assert entry.detail == {"clerk": "clerk", "points": 60_000, "reason": "町内会の一括交換"}
    ui.click(ui.win.pages["confirm"].cancel)
    ui.wait_page("wait")


def test_a_pending_load_never_blocks_the_next_citizen(ui):
    """A Breka load cut off at its commit, the citizen gone: after the idle timeout the screen
    asks for the staff with the exchange's number, the next citizen is served, and the parked
    load is finished when its card appears."""
    first, first_breka, _ = ui.citizen(points=1_000)
    ui.sign_in(first)
    ui.choose("500")
    ui.confirm()
    parked = ui.win.view.exchange_id
    with ui.on_reader(first_breka, remove_after=11, remove_mode="before") as holder:
        ui.qtbot.waitUntil(lambda: not ui.win.busy and ui.win.view.problem is not None, timeout=WAIT_MS)
        holder.wait_removed(timeout=2.0)
    assert ui.win.current_page() == "tap_breka" and ui.win.view.problem.code == "tap_same_card_again"
    ui.win.idle.setInterval(200)
    ui.win.touch()
    with ui.qtbot.waitSignal(ui.win.idle_reset, timeout=5000):
        pass
    ui.qtbot.waitUntil(lambda: ui.win.view.phase is Phase.WAIT_MYNUMBER and not ui.win.busy, timeout=WAIT_MS)
    ui.win.idle.setInterval(60_000)
    banner = ui.win.pages["wait"].banner
    assert ui.win.view.problem.code == "load_waits_for_card" and parked[:8].upper() in banner.instruction.text()
    assert "係員" in banner.title.text()
    assert ui.world.parts.journal.get(parked).state is Step.LOAD_INTENT  # parked, not cancelled

    second, second_breka, _ = ui.citizen(points=2_000)
    ui.sign_in(second)  # the next citizen's My Number Card is served
    ui.choose("1100")
    ui.confirm()
    with ui.on_reader(second_breka):
        ui.wait_page("done")
    ui.click(ui.win.pages["done"].ok)
    ui.wait_page("wait")
    with ui.on_reader(first_breka):  # the parked card appears: its log says not loaded
        ui.qtbot.waitUntil(lambda: not ui.win.busy and ui.win.view.problem is not None, timeout=WAIT_MS)
    assert ui.win.view.problem.code == "pending_finished"
    assert ui.world.parts.journal.get(parked).state is Step.CANCELLED
    assert breka_balance(first_breka) == 0 and ui.world.usable(first) == 1_000
    assert breka_balance(second_breka) == 1_000 and ui.world.usable(second) == 900


def test_pin_and_amount_from_the_keyboard(ui):
    """Top-row and numpad digits, Backspace, Enter and Esc on the keypad pages; Tab focuses a
    button visibly and Enter presses it."""
    mynumber, breka, _ = ui.citizen()
    win, bot = ui.win, ui.qtbot
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        bot.keyClicks(win, "129")
        bot.keyClick(win, Qt.Key.Key_Backspace)
        bot.keyClick(win, Qt.Key.Key_4, Qt.KeyboardModifier.KeypadModifier)
        assert win.pages["pin"].keypad.text() == "124"
        bot.keyClick(win, Qt.Key.Key_Backspace)
        bot.keyClicks(win, "34")
        bot.keyClick(win, Qt.Key.Key_Return)
        ui.wait_page("amount")
    for key in (Qt.Key.Key_5, Qt.Key.Key_0, Qt.Key.Key_0):
        bot.keyClick(win, key, Qt.KeyboardModifier.KeypadModifier)
    assert win.pages["amount"].keypad.text() == "500"
    bot.keyClick(win, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    ui.wait_page("confirm")
    bot.keyClick(win, Qt.Key.Key_Tab)
    focused = win.focusWidget()
    assert focused is not None and focused.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert win.pages["confirm"].isAncestorOf(focused) or win.isAncestorOf(focused)
    bot.keyClick(win, Qt.Key.Key_Escape)  # the way back: nothing is held
    ui.wait_page("wait")
    assert ui.world.parts.journal.unfinished() == [] and breka_balance(breka) == 0


def test_the_idle_wipe_does_not_wait_behind_a_hung_cloud(ui):
    """The hold hangs in the cloud (30 s, far past the client's 2 s deadline per attempt): the
    idle wipe cuts the call and the start screen is back within a second; the hold that may
    have been taken is released by the idle counter's follow-up recovery."""
    import time

    mynumber, _breka, _ = ui.citizen(points=1_000)
    ui.sign_in(mynumber)
    ui.choose("500")
    ui.world.admin.fault("/v1/exchanges", "delay", phase="after", delay_ms=30_000, count=1)
    ui.click(ui.win.pages["confirm"].ok)
    ui.qtbot.waitUntil(lambda: ui.win.busy == "hold", timeout=WAIT_MS)
    started = time.monotonic()
    ui.win.on_idle()  # what the idle timer does
    ui.qtbot.waitUntil(
        lambda: ui.win.current_page() == "wait" and not ui.win.busy and ui.win.view.phase is Phase.WAIT_MYNUMBER,
        timeout=5_000,
    )
    took = time.monotonic() - started
    assert took < 1.0, f"the screen came back after {took:.2f} s"
    (row,) = ui.world.parts.journal.unfinished()  # the hold reached the ledger: its release is pending
    assert row.state is Step.CANCEL_REQUESTED
    ui.world.admin.clear_faults()
    ui.kiosk._follow_up()
    ui.qtbot.waitUntil(lambda: not ui.world.parts.journal.unfinished(), timeout=WAIT_MS)
    assert ui.world.usable(mynumber) == 1_000
