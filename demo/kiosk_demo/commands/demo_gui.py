"""The GUI branches of `kiosk demo`: the real window with a demo panel (put the virtual
cards on the reader, take them away, swap them), and the offscreen walk-through that
drives the same window through the whole flow and saves a PNG of every screen.

Only the demo wiring lives here (it may use kiosk_demo); kiosk.ui never does.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

DEMO_CLERK_PIN, DEMO_TECH_PIN = "111111", "222222"


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _kiosk(demo, offscreen: bool):
    from kiosk.ui.app import Kiosk
    from kiosk.ui.window import UiSettings

    settings = UiSettings.from_config(demo.cfg)
    kiosk = Kiosk(demo.cfg, demo.parts, reader_name=demo.counter.reader, settings=settings)
    for role, pin in (("clerk", DEMO_CLERK_PIN), ("technician", DEMO_TECH_PIN)):
        if not kiosk.staff.has_pin(role):
            kiosk.staff.set_pin(role, pin, by="demo")
    return kiosk


# -- the window with the demo panel ------------------------------------------------------
def run_window(state: Path, points: int, say, card_profile=None) -> int:
    from kiosk_demo.commands.demo_panel import DemoPanel
    from kiosk_demo.demo_run import running_demo

    with running_demo(state, say=say, card_profile=card_profile) as demo:
        mynumber, breka = demo.citizen(points)
        reserved_mynumber, reserved_breka = demo.citizen_with_reserved()
        kiosk = _kiosk(demo, offscreen=False)
        panel = DemoPanel(
            demo,
            {
                "My Number Card (PIN 1234)": mynumber,
                "Breka card": breka,
                "Locked My Number Card": demo.mynumber("locked"),
                "My Number Card with reserved points (PIN 1234)": reserved_mynumber,
                "Breka card (reserved-points citizen)": reserved_breka,
            },
        )
        kiosk.start()
        panel.show()
        say(f"係員PIN {DEMO_CLERK_PIN} / 技術者PIN {DEMO_TECH_PIN} (demo only)")
        _wake = _quit_on_signals(kiosk.app)
        try:
            return int(kiosk.app.exec())
        finally:
            panel.take_away()
            kiosk.stop()


def _quit_on_signals(app):
    """Ctrl-C and SIGTERM end the demo cleanly (the simulator and the cards with it). Qt's
    event loop runs in C++, where Python sees no signal; a timer lets the handler run."""
    import signal

    from PySide6.QtCore import QTimer

    def quit_app(signum, _frame):
        app.exit(128 + signum)

    signal.signal(signal.SIGINT, quit_app)
    signal.signal(signal.SIGTERM, quit_app)
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


# -- the offscreen walk-through ----------------------------------------------------------
class Walk:
    def __init__(self, kiosk, shots: Path | None, say):
        self.kiosk, self.win, self.shots, self.say = kiosk, kiosk.window, shots, say
        self.saved: list[Path] = []

    def until(self, predicate, timeout: float = 20.0, what: str = "") -> None:
        from PySide6.QtCore import QEventLoop

        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the window did not reach {what or 'the expected screen'} "
                    f"(now {self.win.current_page()}, phase {self.win.view.phase.value})"
                )
            self.kiosk.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def page(self, name: str, timeout: float = 20.0) -> None:
        self.until(lambda: self.win.current_page() == name and not self.win.busy, timeout, name)

    def shot(self, name: str) -> None:
        self.kiosk.app.processEvents()
        if self.shots is None:
            return
        path = self.shots / f"{name}.png"
        self.win.grab().save(str(path))
        self.saved.append(path)

    def press(self, keypad, digits: str) -> None:
        for d in digits:
            keypad.keys[d].click()

    def sign_in(self, counter, mynumber, then: str) -> None:
        """The My Number Card on the reader and the right PIN, until the screen `then`; the card
        is taken away after it."""
        pin = self.win.pages["pin"]
        with counter.card(mynumber):
            self.page("pin")
            self.press(pin.keypad, "1234")
            pin.ok.click()
            self.page(then)


def walk_through(state: Path, points: int, shots: Path | None, say, size=(1280, 800), card_profile=None) -> int:
    from kiosk_demo.demo_run import running_demo

    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    with running_demo(state, say=say, card_profile=card_profile) as demo:
        mynumber, breka = demo.citizen(points)
        kiosk = _kiosk(demo, offscreen=True)
        kiosk.window.resize(*size)
        w = Walk(kiosk, shots, say)
        kiosk.start()
        say(f"画面の表示まで {kiosk.first_screen_ms:.0f} ms / first screen after {kiosk.first_screen_ms:.0f} ms")
        try:
            _walk(w, demo, mynumber, breka, points)
        finally:
            kiosk.stop()
    if shots is not None:
        say(f"画面写真 {len(w.saved)} 枚 / {len(w.saved)} screenshots: {shots}")
    return 0


def _walk(w: Walk, demo, mynumber, breka, points: int) -> None:
    from kiosk_demo.counter import VirtualCounter

    # The counter gets a PC/SC context of its own: the kiosk's belongs to its card worker.
    demo.counter = VirtualCounter(demo.counter.reader, demo.counter.port, profile=demo.counter.profile)
    win, counter, say = w.win, demo.counter, w.say
    p = win.pages
    w.page("wait")
    w.shot("wait-mynumber")
    with counter.card(breka):
        w.until(lambda: p["wait"].banner.isVisible() and not win.busy, what="the Breka-first prompt")
        w.shot("breka-first")
    say("ブレカカードを先に置くと、マイナンバーカードを求めます / a Breka card first asks for the My Number Card")
    with counter.card(mynumber):
        w.page("pin")
        w.press(p["pin"].keypad, "12")
        w.shot("pin")
        p["pin"].keypad.wipe()
        w.press(p["pin"].keypad, "9999")
        p["pin"].ok.click()
        w.until(lambda: win.view.problem is not None and not win.busy, what="the wrong-PIN prompt")
        w.shot("pin-wrong")
        say(f"暗証番号の誤り: 残り {win.view.tries_left} 回 / wrong PIN: {win.view.tries_left} tries left")
        w.press(p["pin"].keypad, "1234")
        p["pin"].ok.click()
        w.page("amount")
    say(f"利用できるポイント {win.view.usable:,} / usable points {win.view.usable:,}")
    w.press(p["amount"].keypad, str(points))
    w.shot("amount")
    p["amount"].next.click()
    if points > demo.cfg.get("rules", "clerk_threshold"):
        w.page("staff_pin")
        w.press(p["staff_pin"].keypad, DEMO_CLERK_PIN)
        p["staff_pin"].ok.click()
    w.page("confirm")
    w.shot("confirm")
    say(
        f"交換 {win.view.points:,} → 手数料 {win.view.fee:,}、ブレカ {win.view.loaded:,} / "
        f"exchange {win.view.points:,}: fee {win.view.fee:,}, Breka points {win.view.loaded:,}"
    )
    p["confirm"].ok.click()
    w.page("tap_breka")
    w.shot("tap-breka")
    with counter.card(mynumber):
        w.until(lambda: p["tap_breka"].banner.isVisible() and not win.busy, what="the My-Number-again prompt")
        w.shot("tap-breka-wrong-card")
    win.pages["loading"].set_busy("load")
    win.show_page("loading")
    w.shot("loading")
    win.show_page("tap_breka")
    with counter.card(breka):
        w.page("done")
        w.shot("done")
    r = win.view.receipt
    say(
        f"完了: ブレカ残高 {r.card_balance_before:,} → {r.card_balance_after:,} / "
        f"done: Breka balance {r.card_balance_before:,} → {r.card_balance_after:,}"
    )
    p["done"].ok.click()
    w.page("wait")
    _reserved(w, demo)
    _first_time(w, demo)
    _locked(w, demo)
    _cloud_down(w, demo, mynumber)
    _staff(w)


def _reserved(w: Walk, demo) -> None:
    """The second demo citizen has reserved points: shown, added with one consent, exchanged;
    then the idle countdown over a half-typed amount."""
    mynumber, breka = demo.citizen_with_reserved()
    win, p = w.win, w.win.pages
    w.sign_in(demo.counter, mynumber, "amount")
    w.shot("amount-reserved")
    p["amount"].reserved_button.click()
    w.page("reserved")
    w.shot("reserved-confirm")
    p["reserved"].ok.click()
    w.page("amount")
    w.say(
        f"留保ポイント {win.view.assigned:,} を加えました: 利用できるポイント {win.view.usable:,} / "
        f"reserved points added: {win.view.assigned:,}, usable points {win.view.usable:,}"
    )
    w.press(p["amount"].keypad, "3000")
    from kiosk.ui.idle_warning import WARN_S

    win.warning.start(WARN_S)  # what the idle timer shows WARN_S seconds before the wipe
    w.until(lambda: win.warning.isVisible(), what="the idle countdown")
    w.shot("idle-warning")
    win.warning.keep.click()
    p["amount"].next.click()
    w.page("confirm")
    p["confirm"].ok.click()
    w.page("tap_breka")
    with demo.counter.card(breka):
        w.page("done")
        w.shot("done-reserved")
    r = win.view.receipt
    w.say(f"完了: 残りの実証実験ポイント {r.points_left:,} / done: experiment points left {r.points_left:,}")
    p["done"].ok.click()
    w.page("wait")


def _first_time(w: Walk, demo) -> None:
    """A first-time citizen (no MyKey ID yet, 3,000 partner points waiting): the consent screen,
    the MyKey ID set up with the one PIN entry, the reserved points added, all exchanged."""
    mynumber, breka = demo.first_timer()
    win, p = w.win, w.win.pages
    w.sign_in(demo.counter, mynumber, "mykey")
    w.shot("mykey-consent")
    p["mykey"].ok.click()
    w.page("amount")
    w.shot("amount-first-time")
    w.say("マイキーIDを作成しました / MyKey ID set up")
    p["amount"].reserved_button.click()
    w.page("reserved")
    p["reserved"].ok.click()
    w.page("amount")
    p["amount"].all_button.click()
    p["amount"].next.click()
    w.page("confirm")
    p["confirm"].ok.click()
    w.page("tap_breka")
    with demo.counter.card(breka):
        w.page("done")
    w.say(f"完了: ブレカ {win.view.receipt.loaded:,} / done: Breka points {win.view.receipt.loaded:,}")
    p["done"].ok.click()
    w.page("wait")
    # The refusal: nothing is sent, the start screen says so.
    mynumber, _ = demo.first_timer()
    w.sign_in(demo.counter, mynumber, "mykey")
    p["mykey"].back.click()
    w.until(lambda: win.current_page() == "wait" and win.view.problem is not None and not win.busy, what="refusal")
    w.shot("mykey-declined")
    # Set up, but no points at all yet: how partner points become reserved points, with the QR code.
    mynumber, _ = demo.first_timer(reserved=0)
    w.sign_in(demo.counter, mynumber, "mykey")
    p["mykey"].ok.click()
    w.page("no_points")
    w.shot("no-points")
    p["no_points"].ok.click()
    w.page("wait")


def _locked(w: Walk, demo) -> None:
    card, p, win = demo.mynumber("locked"), w.win.pages, w.win
    with demo.counter.card(card):
        w.until(lambda: win.current_page() in ("pin", "locked") and not win.busy, what="the PIN or locked screen")
        while win.current_page() == "pin":
            tries = win.view.tries_left
            w.press(p["pin"].keypad, "0000")
            p["pin"].ok.click()
            if p["pin"].last_try.isVisible():
                w.shot("pin-last-try")
                p["pin"].last_go.click()
            w.until(
                lambda tries=tries: not win.busy and (win.view.tries_left != tries or win.current_page() == "locked"),
                what="the next PIN answer",
            )
        w.page("locked")
        w.shot("locked")
    w.say("3回まちがえるとロック → 市役所へ / three wrong PINs lock the card: go to the municipal office")
    p["locked"].back.click()
    w.page("wait")


def _cloud_down(w: Walk, demo, mynumber) -> None:
    p = w.win.pages
    demo.admin.fault("/v1/auth/holder", "error", count=20)
    try:
        with demo.counter.card(mynumber):
            w.page("pin")
            w.press(p["pin"].keypad, "1234")
            p["pin"].ok.click()
            w.page("error", timeout=60)
            w.shot("error-cloud")
    finally:
        demo.admin.clear_faults()
    w.say("クラウドに届かないとき: ポイントは減らず、やり直しを案内 / cloud down: nothing taken, try again later")
    p["error"].back.click()
    w.page("wait")


def _staff(w: Walk) -> None:
    win, p = w.win, w.win.pages
    win.open_staff(None)
    w.press(p["staff_pin"].keypad, "12")
    w.shot("staff-pin")
    p["staff_pin"].keypad.wipe()
    w.press(p["staff_pin"].keypad, DEMO_CLERK_PIN)
    p["staff_pin"].ok.click()
    w.page("clerk")
    w.shot("clerk")
    p["clerk"].claim_button.click()  # the claim for this month, with the exchange just made
    w.page("claim")
    claim = p["claim"]
    claim.first.setCurrentIndex(0)
    claim.last.setCurrentIndex(0)
    claim.make_button.click()
    w.until(lambda: "MB-" in claim.status.text(), what="the claim")
    w.say(f"請求書 / the claim: {claim.last_pdf}")
    w.shot("claim")
    claim.back_button.click()
    w.page("clerk")
    p["clerk"].today_button.click()  # today's exchanges: corrections, reprints, the closing slip
    w.page("today")
    w.shot("today")
    if w.shots is not None:  # the closing slip as the receipt printer prints it (clerk guide)
        from kiosk.ui.day_close import day_figures, render_slip

        render_slip(day_figures(win.parts.store)).save(str(w.shots / "closing-slip.png"))
    p["today"].back_button.click()
    w.page("clerk")
    p["clerk"].close_button.click()
    win.open_staff("technician")
    p["staff_pin"].tech_button.click()
    w.press(p["staff_pin"].keypad, DEMO_TECH_PIN)
    p["staff_pin"].ok.click()
    w.page("technician")
    p["technician"].cloud_button.click()
    w.until(lambda: bool(p["technician"].cloud.text()), what="the cloud check")
    w.shot("technician")
    p["technician"].close_button.click()
    w.page("wait")
