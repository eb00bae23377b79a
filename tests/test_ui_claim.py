"""The clerk's claim screen (pytest-qt, offscreen) over a real store with a hand-checked
history, the simulator as the cloud, the claim files on disk and `lp` as a real process."""

from __future__ import annotations

import os
import stat

import pytest

from kiosk import config as config_mod
from kiosk.store import audit
from kiosk.ui.app import qt_app
from kiosk.ui.i18n import Languages
from kiosk.ui.staff_auth import StaffAuth
from kiosk.ui.window import KioskWindow, UiSettings
from tests.test_claim import _config
from tests.test_report import history  # noqa: F401
from tests.test_ui_staff import click, enter_staff
from tests.ui_fixtures import FakeParts, FakeWorker


@pytest.fixture
def claim_screen(history, tmp_path, qtbot, monkeypatch):  # noqa: F811
    cfg_path = _config(history, tmp_path)
    with open(cfg_path, "a", encoding="utf-8") as f:
        f.write('printer = "lp:office"\n')
    lp = tmp_path / "bin" / "lp"  # a stand-in CUPS client: a real process that keeps what it was given
    lp.parent.mkdir()
    lp.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "lp-args"}\necho "request id is office-7"\n')
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{lp.parent}{os.pathsep}{os.environ['PATH']}")
    app = qt_app()
    languages = Languages(app)
    languages.use("ja")
    parts = FakeParts(history.store)
    parts.cloud = history.client
    parts.engine.event_id = history.event
    worker = FakeWorker()
    win = KioskWindow(worker, UiSettings(idle_timeout_s=60), languages, StaffAuth(history.store), parts)
    win.cfg = config_mod.load(cfg_path)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win, worker, tmp_path
    languages.use("en")


def _run_jobs(worker):
    """Run the jobs the screen gave the card worker, as the worker would, and report back."""
    jobs = [c for c in worker.calls if c[0] == "call"]
    worker.calls.clear()
    for _, (what, fn), _ in jobs:
        try:
            result = fn(None)
        except Exception as exc:  # noqa: BLE001 - the worker reports exceptions the same way
            result = exc
        worker.job_done.emit(what, result)
    return [what for _, (what, _fn), _ in jobs]


def test_clerk_makes_opens_prints_and_registers_a_claim(claim_screen, qtbot):
    win, worker, tmp_path = claim_screen
    enter_staff(win, qtbot, "clerk", "246813")
    click(qtbot, win.pages["clerk"].claim_button)
    assert win.current_page() == "claim"
    page = win.pages["claim"]
    opened = []
    page.opener = opened.append
    assert not page.print_button.isEnabled()  # nothing made yet
    choices = [page.first.itemText(i) for i in range(page.first.count())]
    assert choices[-1] == "2017-12" and "2018-03" in choices  # from the first record's month on
    page.first.setCurrentText("2017-12")
    page.last.setCurrentText("2018-03")
    click(qtbot, page.make_button)
    assert _run_jobs(worker) == ["claim_make"]
    assert "5,800" in page.status.text() and page.register.count() == 1
    assert "未照合" not in page.register.item(0).text()
    pdf = page.last_pdf
    assert pdf is not None and pdf.parent == tmp_path / "claims" and stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert pdf.with_suffix(".csv").exists()
    click(qtbot, page.open_button)
    click(qtbot, page.folder_button)
    assert [u.toLocalFile() for u in opened] == [str(pdf), str(tmp_path / "claims")]
    assert page.print_button.isEnabled()
    click(qtbot, page.print_button)
    assert _run_jobs(worker) == ["claim_print"]
    assert (tmp_path / "lp-args").read_text().split() == ["-d", "office", "--", str(pdf)]
    assert page.status.text() == "プリンタに送りました。"
    # Made again: the same number, 再発行.
    click(qtbot, page.make_button)
    _run_jobs(worker)
    assert page.register.count() == 1 and "再発行" in page.register.item(0).text()
    # Paid before sent is refused; sent then paid is recorded and audited.
    page.register.setCurrentRow(0)
    click(qtbot, page.paid_button)
    assert "送付されていません" in page.status.text()
    click(qtbot, page.sent_button)
    page.register.setCurrentRow(0)
    click(qtbot, page.paid_button)
    assert "入金済み" in page.register.item(0).text()
    actions = [e.action for e in audit.entries(win.parts.store)]
    assert actions.count("issue_claim") == 2 and "claim_sent" in actions and "claim_paid" in actions
    click(qtbot, page.back_button)
    assert win.current_page() == "clerk"


def test_the_period_choice_offers_whole_months_up_to_now():
    from datetime import UTC, datetime

    from kiosk.ui.claim_page import month_choices

    months = month_choices(datetime(2026, 1, 31, 15, 30, tzinfo=UTC), back=3)  # already February in Japan
    assert months == ["2026-02", "2026-01", "2025-12", "2025-11"]
    assert month_choices(datetime(2026, 1, 31, tzinfo=UTC), back=1, earliest="2025-11")[-1] == "2025-11"
