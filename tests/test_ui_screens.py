"""The screens alone, over a stand-in worker (no cards): what each View shows, the PIN
handshake, the last-try confirmation, the amount as typed, the idle wipe, the language
switch, and screenshots of every screen at 1280x800 and 1920x1080."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.exchange.view import LotView, Phase, Problem, Receipt, View
from kiosk.store import Store, audit
from kiosk.ui.app import qt_app
from kiosk.ui.staff_auth import StaffAuth

SHOTS = Path(os.environ.get("KIOSK_UI_SHOTS", "")) if os.environ.get("KIOSK_UI_SHOTS") else None


LOTS = (LotView(3_000, "2026-12-10T15:00:00+00:00"), LotView(7_000, "2027-02-20T15:00:00+00:00"))
RECEIPT = Receipt(
    "4f2a9c1e-0000-4000-8000-000000000000", "mk-1", 500, 45, 455, 1_200, 1_655, "2026-11-27T13:05:00+09:00", "rec-1"
)


def views() -> dict[str, View]:
    return {
        "wait": View(Phase.WAIT_MYNUMBER),
        "wait_breka_first": View(Phase.WAIT_MYNUMBER, Problem("mynumber_first")),
        "pin": View(Phase.PIN, tries_left=3),
        "pin_wrong": View(Phase.PIN, Problem("wrong_pin", {"tries_left": 2}), tries_left=2),
        "pin_last": View(Phase.PIN, Problem("wrong_pin", {"tries_left": 1}), tries_left=1),
        "locked": View(Phase.LOCKED, Problem("pin_locked")),
        "amount": View(Phase.AMOUNT, usable=10_000, lots=LOTS, mykey_id="mk-1"),
        "confirm": View(Phase.CONFIRM, usable=10_000, lots=LOTS, points=500, fee=45, loaded=455),
        "tap_breka": View(Phase.TAP_BREKA, points=500, fee=45, loaded=455, exchange_id="x"),
        "tap_breka_mynumber": View(Phase.TAP_BREKA, Problem("breka_not_mynumber"), points=500, fee=45, loaded=455),
        "done": View(Phase.DONE, receipt=RECEIPT),
        "error_cloud": View(Phase.FAILED, Problem("cloud_unavailable")),
    }


def click(qtbot, widget):
    assert widget.isEnabled()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_each_phase_shows_its_screen(kiosk):
    win, worker, _ = kiosk
    for name, view in views().items():
        worker.view_changed.emit(view)
        assert win.current_page() == name.split("_")[0] if name.startswith(("wait", "pin", "error")) else True
    worker.view_changed.emit(views()["tap_breka_mynumber"])
    assert win.current_page() == "tap_breka" and win.pages["tap_breka"].banner.isVisible()
    assert "ブレカ" in win.pages["tap_breka"].banner.instruction.text()


def test_pin_is_masked_and_handed_to_the_worker_once(kiosk, qtbot):
    win, worker, _ = kiosk
    worker.view_changed.emit(views()["pin"])
    page = win.pages["pin"]
    for d in "1234":
        click(qtbot, page.keypad.keys[d])
    assert page.entry.text() == "●●●●"
    click(qtbot, page.ok)
    assert worker.calls == [("submit_pin", ("1234", False), {})]
    assert page.keypad.text() == ""  # not kept after the handshake
    for d in "0012":
        click(qtbot, page.keypad.keys[d])
    assert page.keypad.text() == "0012"  # a PIN keeps its leading zeros


def test_last_try_needs_an_explicit_confirmation(kiosk, qtbot):
    win, worker, _ = kiosk
    worker.view_changed.emit(views()["pin_last"])
    page = win.pages["pin"]
    for d in "9999":
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)
    assert worker.calls == [] and page.last_try.isVisible()
    click(qtbot, page.last_go)
    assert worker.calls == [("submit_pin", ("9999", True), {})]


def test_amount_shows_fee_and_breka_points_as_typed(kiosk, qtbot):
    win, worker, _ = kiosk
    worker.view_changed.emit(views()["amount"])
    page = win.pages["amount"]
    assert "2026年12月10日" in page.lots.text()  # first unusable instant 11 Dec 00:00 JST
    for d in "500":
        click(qtbot, page.keypad.keys[d])
    assert page.entry.text() == "500" and "45" in page.quote.text() and "455" in page.quote.text()
    click(qtbot, page.keypad.keys["0"])
    click(qtbot, page.keypad.keys["0"])  # 50,000 > usable
    assert not page.next.isEnabled() and page.banner.code == "more_than_usable"
    click(qtbot, page.all_button)
    assert page.keypad.text() == "10000" and page.next.isEnabled()
    click(qtbot, page.next)
    assert worker.calls[-1] == ("choose", ("10000",), {})


def test_idle_timeout_wipes_what_was_typed(kiosk, qtbot):
    win, worker, _ = kiosk
    worker.view_changed.emit(views()["amount"])
    click(qtbot, win.pages["amount"].keypad.keys["7"])
    worker.view_changed.emit(views()["pin"])
    click(qtbot, win.pages["pin"].keypad.keys["1"])
    win.idle.setInterval(50)
    win.touch()
    with qtbot.waitSignal(win.idle_reset, timeout=2000):
        pass
    assert win.current_page() == "wait"
    assert win.pages["pin"].keypad.text() == "" and win.pages["amount"].keypad.text() == ""
    assert ("reset", (), {}) in worker.calls


def test_language_switch_to_english_and_back(kiosk, qtbot):
    win, worker, _ = kiosk
    title = win.pages["wait"].title
    assert "マイナンバーカード" in title.text()
    click(qtbot, win.lang_button)
    assert title.text() == "Place your My Number Card on the reader"
    click(qtbot, win.lang_button)
    assert "マイナンバーカード" in title.text()


def test_staff_pin_is_a_peppered_salted_scrypt_hash_slows_wrong_entries_and_is_audited(tmp_path):
    from kiosk.ui.staff_auth import StaffLocked

    store = Store(tmp_path / "s.sqlite3")
    now = [1_000.0]
    staff = StaffAuth(store, clock=lambda: now[0])
    staff.set_pin("clerk", "246813", by="technician")
    stored = store.query("SELECT value FROM settings WHERE key = 'staff.clerk.pin'")[0]["value"]
    assert stored.startswith("scrypt2$") and "246813" not in stored
    staff.set_pin("technician", "246813", by="technician")
    other = store.query("SELECT value FROM settings WHERE key = 'staff.technician.pin'")[0]["value"]
    assert other.split("$")[5] != stored.split("$")[5]  # salted
    assert staff.check("clerk", "246813")
    waits = []
    for _ in range(9):
        assert not staff.check("clerk", "000000")
        waits.append(staff.seconds_to_wait("clerk"))
        if waits[-1]:
            with pytest.raises(StaffLocked) as early:  # too soon: not checked, not counted
                staff.check("clerk", "246813")
            assert early.value.seconds_left == waits[-1]
        now[0] += waits[-1]
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert not staff.seconds_to_wait("technician")  # one role's wrong entries never slow the other
    assert staff.check("clerk", "246813")  # the right PIN after the wait: never locked out
    assert not staff.check("clerk", "000000") and staff.seconds_to_wait("clerk") == 0  # reset by success
    actions = [e.action for e in audit.entries(store)]
    assert "set_staff_pin" in actions and actions.count("staff_pin_wrong") == 10 and actions.count("enter_mode") == 2
    assert [e.action for e in audit.entries(store)].count("secret_generated") == 1  # the pepper, once
    assert audit.verify(store) is None
    store.close()


def test_screens_fit_at_both_resolutions(kiosk, tmp_path):
    """Every screen at 1280x800 and 1920x1080: nothing wider than the window, buttons >= 48 px."""
    from PySide6.QtWidgets import QPushButton

    win, worker, _ = kiosk
    out = SHOTS or tmp_path
    out.mkdir(parents=True, exist_ok=True)
    for w, h in ((1280, 800), (1920, 1080)):
        win.resize(w, h)
        for name, view in views().items():
            worker.view_changed.emit(view)
            qt_app().processEvents()
            assert win.minimumSizeHint().width() <= w and win.minimumSizeHint().height() <= h, name
            for button in win.stack.currentWidget().findChildren(QPushButton):
                if button.isVisible():
                    assert button.height() >= 48 and button.width() >= 48, (name, button.text())
            win.grab().save(str(out / f"{name}-{w}x{h}.png"))


def test_receipt_image_for_the_printer_has_the_japanese_text(kiosk, tmp_path):
    from kiosk.ui.receipt_printer import WIDTH, printer_from, render_receipt

    image = render_receipt(RECEIPT)
    assert image.width() == WIDTH and image.height() > 150
    image.save(str((SHOTS or tmp_path) / "receipt.png"))
    assert printer_from(None) is None


def test_a_configured_printer_gets_the_receipt_as_an_escpos_raster_and_a_cut(kiosk, tmp_path):
    from kiosk.ui.receipt_printer import EscPosPrinter, printer_from

    device = tmp_path / "lp0"
    device.touch()
    printer = printer_from(f"file:{device}")
    assert isinstance(printer, EscPosPrinter)
    assert printer.print_receipt(RECEIPT) is True
    data = device.read_bytes()
    assert b"\x1dv0" in data  # GS v 0: a raster bit image (the Japanese text drawn)
    assert b"\x1dV" in data[-16:]  # GS V: the paper is cut after it
    assert len(data) > 384 // 8 * 150  # at least 150 lines of 384 dots


def test_an_unreachable_printer_leaves_the_receipt_on_screen(kiosk):
    from kiosk.ui.receipt_printer import printer_from

    assert printer_from("net:127.0.0.1:9").print_receipt(RECEIPT) is False


def test_receipt_times_are_shown_in_japan_time():
    from kiosk.ui.texts import local_time

    assert local_time("2026-11-27T05:52:10+00:00") == "2026-11-27 14:52"
    assert local_time("2018-08-27T15:30:00+00:00") == "2018-08-28 00:30"


def test_every_new_citizen_starts_in_japanese(kiosk):
    win, worker, _store = kiosk
    win.toggle_language()
    assert win.languages.current == "en"
    win.on_idle()  # the citizen walked away
    assert win.languages.current == "ja" and win.lang_button.text() == "English"
    win.toggle_language()
    win.on_view(views()["done"])
    win.start_over()  # 終わる
    assert win.languages.current == "ja"
    assert ("cancel", ("done",), {}) in worker.calls


def test_in_kiosk_mode_the_citizen_cannot_close_the_window(kiosk):
    win, _worker, _store = kiosk
    win.settings.fullscreen = True
    assert win.close() is False and win.isVisible()
    win.allow_close()  # shutdown, or the technician's "quit the kiosk"
    assert win.close() is True and not win.isVisible()


def test_a_countdown_warns_before_the_idle_wipe_and_a_touch_keeps_the_place(kiosk, qtbot):
    win, worker, _store = kiosk
    win.on_view(views()["amount"])
    win.pages["amount"].keypad.set_text("500")
    win.idle.setInterval(2_000)
    win.warn.setInterval(100)
    win.touch()
    qtbot.waitUntil(win.warning.isVisible, timeout=2_000)
    assert win.warning.title.text() == "まだお使いですか？" and "秒" in win.warning.countdown.text()
    qtbot.mouseClick(win.warning.keep, Qt.MouseButton.LeftButton)  # 続ける
    assert not win.warning.isVisible() and win.idle.isActive()
    assert win.pages["amount"].keypad.text() == "500" and not [c for c in worker.calls if c[0] == "reset"]
    win.idle.setInterval(300)
    win.touch()
    qtbot.waitUntil(lambda: any(c[0] == "reset" for c in worker.calls), timeout=3_000)  # no touch: wiped
    assert not win.warning.isVisible() and win.pages["amount"].keypad.text() == ""


def test_no_countdown_on_the_start_screen(kiosk, qtbot):
    win, _worker, _store = kiosk
    win.on_view(views()["wait"])
    win.warn.setInterval(50)
    win.touch()
    qtbot.wait(200)
    assert not win.warning.isVisible()


def test_only_the_start_screen_is_built_before_the_first_screen_and_warm_up_builds_the_rest(kiosk):
    win, worker, _ = kiosk
    assert list(win.pages) == ["wait"]  # the other screens wait (issue 17: the counter opens sooner)
    assert {"pin", "amount", "done", "staff_pin", "clerk", "technician"} <= set(win.pages.later)
    win.languages.use("en")
    win.retranslate()
    win.on_view(View(Phase.PIN, tries_left=3))  # a screen asked for early is built on the spot
    assert win.current_page() == "pin" and "PIN" in " ".join(win.visible_texts())  # in today's language
    win.warm_up()
    assert not win.pages.later and {"clerk", "reversal", "today", "claim", "technician"} <= set(win.pages)
    assert win.stack.count() == len(win.pages)
    win.pages["pin"].keypad.keys["1"].click()  # a page built late is wired like the others
    win.pages["pin"].cancel_requested.emit()
    assert ("cancel", ("holder cancelled",), {}) in worker.calls
