"""Every screen fits every common screen: the citizen's screens (and the clerk's and the
technician's) rendered offscreen at five sizes, in Japanese and English; no label or button
text outside its rectangle, Japanese broken only between phrases, keypad keys equally wide."""

from __future__ import annotations

import time

import pytest

from kiosk.exchange.view import LotView, Phase, Problem, Receipt, View
from kiosk.ui.app import qt_app
from kiosk.ui.texts import PROBLEMS
from tests.fit_check import keypad_problem, label_problem, problems

SIZES = ((1024, 768), (1280, 800), (1366, 768), (1920, 1080), (1080, 1920))
SOON = LotView(3_000, "2026-12-10T15:00:00+00:00", soon=True, event_id="ev")
LOTS = (SOON, LotView(17_000, "2027-02-20T15:00:00+00:00", event_id="ev"))
RESERVED = (LotView(3_000, "2026-12-12T15:00:00+00:00", soon=True),)
RECEIPT = Receipt(
    "4f2a9c1e-0000-4000-8000-000000000000",
    "mk-1",
    60_000,
    5_454,
    54_546,
    1_200,
    55_746,
    "2026-11-27T13:05:00+09:00",
    None,
    cloud_pending=True,
    reserved_assigned=3_000,
    points_left=12_345,
    nearest_expiry="2027-02-20T15:00:00+00:00",
)
AMOUNT = dict(usable=20_000, lots=LOTS, reserved=3_000, reserved_lots=RESERVED, mykey_id="mk-1")


def screens(win):
    """(name, how to show it): every citizen screen in its fullest states, then the staff's."""
    p = win.pages

    def view(v):
        return lambda: win.on_view(v)

    def last_try():
        win.on_view(View(Phase.PIN, Problem("wrong_pin", {"tries_left": 1}), tries_left=1))
        p["pin"].keypad.set_text("9999")
        p["pin"]._ok()

    def typed(v, digits):
        def show():
            win.on_view(v)
            p["amount"].keypad.set_text(digits)

        return show

    def busy(what):
        def show():
            p["loading"].set_busy(what)
            win.show_page("loading")

        return show

    def idle():
        win.on_view(View(Phase.AMOUNT, **AMOUNT))
        win.warning.start(20)

    def staff(role, approve=None):
        def show():
            win.warning.hide()
            win.open_staff(role, approve)

        return show

    def staff_mode(name):
        def show():
            win.local = name
            p[name].open()
            win.show_page(name)

        return show

    def no_points():
        p["no_points"].set_printer(True)  # the fullest state: the print button shown too
        win.on_view(View(Phase.AMOUNT, mykey_id="mk-1", mykey_created=True))

    out = [
        ("wait", view(View(Phase.WAIT_MYNUMBER))),
        ("wait-problem", view(View(Phase.WAIT_MYNUMBER, Problem("load_waits_for_card", {"number": "4F2A9C1E"})))),
        ("pin", view(View(Phase.PIN, Problem("wrong_pin", {"tries_left": 2}), tries_left=2))),
        ("pin-last-try", last_try),
        ("locked", view(View(Phase.LOCKED, Problem("pin_locked")))),
        ("amount", typed(View(Phase.AMOUNT, **AMOUNT, reserved_offer=True), "500")),
        ("amount-clerk", typed(View(Phase.AMOUNT, **AMOUNT, reserved_offer=True), "60000")),
        ("amount-closed", view(View(Phase.AMOUNT, Problem("reserved_closed"), **AMOUNT, issuing_closed=True))),
        ("reserved", view(View(Phase.RESERVED, Problem("reserved_unavailable"), **AMOUNT, reserved_offer=True))),
        ("mykey", view(View(Phase.MYKEY_CONSENT, Problem("mykey_unavailable")))),
        ("no-points", no_points),
        ("amount-first-time", view(View(Phase.AMOUNT, **AMOUNT, reserved_offer=True, mykey_created=True))),
        ("confirm", view(View(Phase.CONFIRM, points=60_000, fee=5_454, loaded=54_546))),
        ("tap-breka", view(View(Phase.TAP_BREKA, Problem("breka_not_mynumber"), loaded=54_546, exchange_id="x"))),
        ("done", view(View(Phase.DONE, receipt=RECEIPT))),
        ("idle-warning", idle),
        ("staff-pin", staff(None)),
        ("staff-approve", staff("clerk", "60000")),
        ("clerk", staff_mode("clerk")),
        ("today", staff_mode("today")),
        ("technician", staff_mode("technician")),
    ]
    out += [(f"loading-{what}", busy(what)) for what in ("card", "pin", "hold", "assign", "mykey", "load", "cancel")]
    out += [
        (f"error-{code}", view(View(Phase.FAILED, Problem(code, {"tries_left": 1, "count": 2})))) for code in PROBLEMS
    ]
    return out


def _leave_staff(win):
    win.local = None
    win.warning.hide()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_screen_fits_every_size(kiosk, language):
    win, _worker, _store = kiosk
    win.languages.use(language)
    win.retranslate()
    started, misfits, shown = time.monotonic(), [], 0
    for w, h in SIZES:
        win.resize(w, h)
        for name, show in screens(win):
            _leave_staff(win)
            show()
            qt_app().processEvents()
            assert (win.width(), win.height()) == (w, h), f"{name}: the window grew to {win.width()}x{win.height()}"
            root = win.warning if win.warning.isVisible() else win
            misfits += [f"{w}x{h} {language} {name}: {p}" for p in problems(root)]
            shown += 1
    took = time.monotonic() - started
    print(f"{shown} screens checked in {took:.1f} s ({language})")
    assert not misfits, "\n".join(misfits[:60]) + f"\n({len(misfits)} in all)"


def test_the_fit_check_sees_clipped_text_a_broken_phrase_and_uneven_keys(kiosk):
    """The check itself can fail: a plain QLabel too narrow for its text, a plain QLabel that
    Qt breaks inside a word, a keypad with one wide key."""
    from PySide6.QtWidgets import QLabel

    from kiosk.ui.widgets import Keypad, label

    win, _worker, _store = kiosk
    clipped = QLabel("Experiment points → Breka points", win)
    clipped.setGeometry(0, 0, 60, 30)
    broken = QLabel("マイナンバーカードの4桁の暗証番号を入力してください", win)
    broken.setWordWrap(True)
    broken.setGeometry(0, 0, 200, 400)
    phrased = label("マイナンバーカードの4桁の暗証番号を入力してください", parent=win)
    phrased.setGeometry(0, 0, 330, 400)
    keypad = Keypad(4, parent=win)
    keypad.setGeometry(0, 0, 600, 400)
    for w in (clipped, broken, phrased, keypad):
        w.show()
    keypad.keys["0"].setFixedWidth(300)
    qt_app().processEvents()
    assert "needs" in (label_problem(clipped) or "")
    assert "inside a phrase" in (label_problem(broken) or "")
    assert label_problem(phrased) is None and phrased.text() == "マイナンバーカードの4桁の暗証番号を入力してください"
    assert "widths" in (keypad_problem(keypad) or "")


def test_the_technician_page_names_a_card_problem_in_words(kiosk):
    from kiosk.cardio.errors import NoCard

    win, _worker, _store = kiosk
    win.pages["technician"]._job_done("tech_identify", NoCard("no card on the reader"))
    text = win.pages["technician"].card.text()
    assert "NoCard" not in text and "カードが見つかりません" in text, text
