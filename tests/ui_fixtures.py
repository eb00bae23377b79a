"""The kiosk window over a stand-in worker (no cards) and a real store: the screens alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal

from kiosk.store import Store
from kiosk.ui.app import qt_app
from kiosk.ui.i18n import Languages
from kiosk.ui.staff_auth import StaffAuth
from kiosk.ui.window import KioskWindow, UiSettings


class FakeWorker(QObject):
    view_changed = Signal(object)
    busy_changed = Signal(str)
    reader_event = Signal(object)
    job_done = Signal(str, object)
    long_command = Signal(str)

    def __init__(self):
        super().__init__()
        self.calls: list[tuple] = []

    def __getattr__(self, name):
        if name in (
            "tap",
            "submit_pin",
            "choose",
            "confirm",
            "cancel",
            "reset",
            "call",
            "clerk_cancel",
            "ask_reserved",
            "assign_reserved",
            "consent_mykey",
        ):
            return lambda *a, **k: self.calls.append((name, a, k))
        raise AttributeError(name)

    def readers(self):
        return {"Virtual PCD 00 00": bytes.fromhex("3B8880010000000000000000")}


class FakeParts:
    def __init__(self, store):
        from kiosk.exchange.journal import Journal
        from kiosk.sync.outbox import Outbox

        self.store, self.journal, self.outbox = store, Journal(store), Outbox(store, "t-1")
        self.engine = type("E", (), {"event_id": "ev"})()
        self.finisher = object()  # used only inside worker jobs, which the stand-in worker records


@pytest.fixture
def kiosk(qtbot, tmp_path):
    app = qt_app()
    languages = Languages(app)
    languages.use("ja")
    store = Store(tmp_path / "k.sqlite3")
    worker = FakeWorker()
    settings = UiSettings(idle_timeout_s=60, guide_url="https://mykey.soumu.go.jp/")
    win = KioskWindow(worker, settings, languages, StaffAuth(store), FakeParts(store))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win, worker, store
    languages.use("en")
    store.close()
