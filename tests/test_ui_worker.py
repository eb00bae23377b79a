"""The card worker thread over a stand-in engine: events run off the GUI thread (the GUI
keeps ticking while an event blocks), views come back by signal, the PIN is a handshake
that leaves nothing behind, and a failing event becomes a plain error view."""

from __future__ import annotations

import threading
import time

from kiosk.exchange.view import Phase, View
from kiosk.ui.app import qt_app
from kiosk.ui.heartbeat import Heartbeat
from kiosk.ui.worker import CardWorker


class SlowEngine:
    """Blocks like a card and a cloud call would; records the thread and what it got."""

    def __init__(self):
        self.threads: set[str] = set()
        self.pins: list[str] = []

    def card_tapped(self):
        self.threads.add(threading.current_thread().name)
        time.sleep(0.3)  # a slow card, on the worker thread
        return View(Phase.PIN, tries_left=3)

    def enter_pin(self, pin, confirm_last_try=False):
        self.threads.add(threading.current_thread().name)
        self.pins.append(pin)
        time.sleep(0.3)
        return View(Phase.AMOUNT, usable=100)

    def choose_amount(self, raw, clerk=None):
        raise RuntimeError("boom")


def test_events_run_on_the_worker_and_the_gui_never_stalls(qtbot):
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    app = qt_app()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)  # earlier tests' widgets
    gc.collect()
    app.processEvents()
    engine = SlowEngine()
    worker = CardWorker(engine)
    beat = Heartbeat(interval_ms=10)
    worker.start()
    beat.start()
    try:
        with qtbot.waitSignal(worker.view_changed, timeout=5000) as got:
            worker.tap()
        assert got.args[0].phase is Phase.PIN
        with qtbot.waitSignal(worker.view_changed, timeout=5000) as got:
            worker.submit_pin("1234")
        assert got.args[0].phase is Phase.AMOUNT
        assert worker._jobs.empty()
        with qtbot.waitSignal(worker.view_changed, timeout=5000) as got:
            worker.choose("5")
        assert got.args[0].phase is Phase.FAILED and got.args[0].problem.code == "internal_error"
        assert beat.ticks > 20
        assert beat.max_stall_ms < 50, beat.max_stall_ms  # 0.9 s of blocking events, none on the GUI
    finally:
        beat.stop()
        worker.stop()
    assert threading.main_thread().name not in engine.threads


def test_a_long_day_of_clicks_and_emits_leaves_none_and_true_alone(qtbot):
    """PySide6-Essentials 6.12.0 on CPython < 3.12 loses a reference to None per slot call
    and to True per emit until the process aborts; the dependency pins exclude it. Whatever
    binding is installed, a day's worth of clicks and emits must not move those counts."""
    import sys

    from PySide6.QtWidgets import QPushButton

    qt_app()
    button = QPushButton()
    qtbot.addWidget(button)
    button.clicked.connect(lambda: None)
    worker = CardWorker(SlowEngine())
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20_000):
        button.click()
        worker.busy_changed.emit("")
    assert abs(sys.getrefcount(None) - none_before) < 1_000
    assert abs(sys.getrefcount(True) - true_before) < 1_000
