"""The out-of-service screen of a kiosk that is not set up: it names the failing checks,
starts the counter once they pass, and lets only a technician provision keys from it."""

from __future__ import annotations

from kiosk.diagnostics import CheckResult
from kiosk.secrets import Secret, get_secret
from kiosk.ui.app import qt_app
from kiosk.ui.i18n import Languages
from kiosk.ui.out_of_service import OutOfServiceWindow

MISSING = [
    CheckResult("secrets", False, "端末の鍵がありません / keys missing", "kiosk secrets set terminal-secret"),
    CheckResult("staff_pins", False, "no staff PINs set", "kiosk staff-pin set technician"),
]


def window(qtbot, problems, ready, pin_ok=lambda pin: pin == "246810"):
    languages = Languages(qt_app())
    languages.use("ja")
    win = OutOfServiceWindow(lambda: problems.pop(0) if problems else [], ready, pin_ok, MISSING)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    return win, languages


def test_names_what_is_missing_and_starts_the_counter_once_checks_pass(qtbot):
    started = []
    win, languages = window(qtbot, [MISSING[1:], []], lambda: started.append(True))
    try:
        assert win.title.text() == "休止中です"
        assert "secrets" in win.checks.text() and "kiosk secrets set terminal-secret" in win.checks.text()
        win.again.click()  # the technician fixed the keys only
        qtbot.waitUntil(lambda: "secrets" not in win.checks.text(), timeout=5000)
        assert "staff_pins" in win.checks.text() and not started
        win.again.click()  # and now the staff PINs
        qtbot.waitUntil(lambda: bool(started), timeout=5000)
        assert not win.isVisible()
    finally:
        languages.close()


def test_only_the_technician_pin_opens_key_provisioning(qtbot, monkeypatch, test_keyring):
    from PySide6.QtWidgets import QInputDialog

    win, languages = window(qtbot, [], lambda: None)
    try:
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("111111", True))
        win.open_technician()
        assert not win.tech.isVisibleTo(win) and "kiosk staff-pin set technician" in win.status.text()
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("246810", True))
        win.open_technician()
        assert win.tech.isVisibleTo(win)
        win.secret_name.setCurrentIndex(win.secret_name.findData(Secret.TERMINAL_SECRET.value))
        win.secret_value.setText("00" * 32)
        win.save_secret.click()
        assert get_secret(Secret.TERMINAL_SECRET) == bytes(32)
        assert win.secret_value.text() == ""  # the value never stays on screen
    finally:
        languages.close()
