"""Clerks by name: accounts with their own PINs (CLI `kiosk staff`), the PIN screen asks who
first, every clerk action names the person, and blank reasons or clerks are refused."""

from __future__ import annotations

import io
import json

import pytest
from PySide6.QtCore import Qt

from kiosk.cli import main
from kiosk.exchange.steps import Step
from kiosk.store import Store, audit
from kiosk.ui.staff_accounts import StaffAccounts
from kiosk.ui.staff_auth import StaffAuth, StaffLocked
from tests.doctor_helpers import write_config

ID = "aaaaaaaa-0000-4000-8000-000000000000"


@pytest.fixture
def cfg(tmp_path):
    return str(write_config(tmp_path / "config.toml", store=tmp_path / "kiosk.sqlite3"))


def cli(cfg, monkeypatch, *args, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", cfg, *args])


def test_staff_cli_adds_lists_sets_pins_and_disables_without_showing_a_pin(cfg, tmp_path, monkeypatch, capsys):
    assert cli(cfg, monkeypatch, "staff", "add", "sato", "--name", "佐藤", stdin="24681357\n") == 0
    assert (
        cli(cfg, monkeypatch, "staff", "add", "ito", "--name", "伊藤", "--role", "technician", stdin="97531864\n") == 0
    )
    assert cli(cfg, monkeypatch, "staff", "add", "sato", "--name", "again", stdin="24681357\n") == 2  # taken
    assert cli(cfg, monkeypatch, "staff", "add", "clerk", "--name", "x", stdin="24681357\n") == 2  # a role name
    assert cli(cfg, monkeypatch, "staff", "add", "kato", "--name", "  ", stdin="24681357\n") == 2  # blank name
    assert cli(cfg, monkeypatch, "staff", "set-pin", "sato", stdin="1234\n") == 2  # too short
    assert cli(cfg, monkeypatch, "staff", "set-pin", "nobody", stdin="24681357\n") == 2
    out = capsys.readouterr()
    assert "24681357" not in out.out + out.err and "97531864" not in out.out + out.err
    assert cli(cfg, monkeypatch, "staff", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["staff_id"], s["role"], s["pin_set"]) for s in listed["staff"]] == [
        ("ito", "technician", True),
        ("sato", "clerk", True),
    ]
    assert listed["shared_pin_in_use"] == {"clerk": False, "technician": False}
    with Store(tmp_path / "kiosk.sqlite3") as store:
        accounts = StaffAccounts(store)
        assert accounts.check("sato", "24681357", "clerk")
        assert not accounts.check("sato", "24681357", "technician")  # a clerk is no technician
        stored = store.query("SELECT pin FROM staff WHERE staff_id = 'sato'")[0]["pin"]
        assert stored.startswith("scrypt2$") and "24681357" not in stored
        assert ("enter_mode", "sato") in [(e.action, e.detail.get("staff_id")) for e in audit.entries(store)]
    assert cli(cfg, monkeypatch, "staff", "disable", "sato") == 0
    with Store(tmp_path / "kiosk.sqlite3") as store:
        accounts = StaffAccounts(store)
        assert not accounts.check("sato", "24681357", "clerk")  # disabled: no sign-in
        assert accounts.choices("clerk") == []  # and no fallback to a shared PIN either
        assert audit.verify(store) is None


def test_wrong_pins_wait_per_person_and_the_shared_pin_stops_with_the_first_named_clerk(tmp_path):
    now = [1000.0]
    with Store(tmp_path / "k.sqlite3") as store:
        StaffAuth(store).set_pin("clerk", "13572468", by="test")
        accounts = StaffAccounts(store, clock=lambda: now[0])
        (shared,) = accounts.choices("clerk")
        assert shared.shared and shared.staff_id == "clerk"
        assert accounts.check("clerk", "13572468", "clerk")  # an older kiosk keeps working
        accounts.add("sato", "佐藤", "clerk", by="test")
        accounts.set_pin("sato", "24681357", by="test")
        accounts.add("kato", "加藤", "clerk", by="test")
        accounts.set_pin("kato", "11223344", by="test")
        assert [p.staff_id for p in accounts.choices("clerk")] == ["sato", "kato"]  # by display name
        assert not accounts.check("clerk", "13572468", "clerk")  # the shared PIN is no longer offered
        for _ in range(3):
            assert not accounts.check("sato", "00000000", "clerk")
        with pytest.raises(StaffLocked):
            accounts.check("sato", "24681357", "clerk")
        assert accounts.check("kato", "11223344", "clerk")  # another clerk's wait is their own
        now[0] += accounts.seconds_to_wait("sato")
        assert accounts.check("sato", "24681357", "clerk")


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def sign_in(win, qtbot, staff_id: str, pin: str, role: str = "clerk") -> None:
    win.open_staff(role)
    page = win.pages["staff_pin"]
    names = [page.people.item(i).text() for i in range(page.people.count())]
    page.people.setCurrentRow(next(i for i, n in enumerate(names) if f"({staff_id})" in n))
    for d in pin:
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)


def test_the_pin_screen_asks_who_and_clerk_actions_name_that_person(kiosk, qtbot):
    win, worker, store = kiosk
    accounts = StaffAccounts(store)
    for sid, name, pin in (("sato", "佐藤 花子", "24681357"), ("kato", "加藤 一郎", "11223344")):
        accounts.add(sid, name, "clerk", by="test")
        accounts.set_pin(sid, pin, by="test")
    journal = win.parts.journal
    journal.create(ID, "ev", Step.HOLD_REQUESTED, mykey_id="mk", points=500, fee=45, loaded=455)
    win.open_staff("clerk")
    page = win.pages["staff_pin"]
    assert page.people.count() == 2 and "佐藤 花子" in page.people.item(0).text()
    for d in "24681357":
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)  # nobody chosen: not checked
    assert page.banner.title.text() and win.current_page() == "staff_pin"
    sign_in(win, qtbot, "kato", "24681357")  # sato's PIN under kato's name: wrong
    qtbot.waitUntil(lambda: "PIN" in page.banner.title.text() or "暗証" in page.banner.title.text(), timeout=5000)
    assert win.current_page() == "staff_pin"
    sign_in(win, qtbot, "sato", "24681357")
    qtbot.waitUntil(lambda: win.current_page() == "clerk", timeout=5000)
    assert win.clerk_id == "sato"
    clerk = win.pages["clerk"]
    assert clerk.unfinished.count() == 1  # every unfinished exchange, not only those waiting for a card
    clerk.unfinished.setCurrentRow(0)
    clerk.reason.setText("   ")
    click(qtbot, clerk.cancel_button)  # a blank reason: refused
    assert not [c for c in worker.calls if c[0] == "clerk_cancel"]
    clerk.reason.setText("holder changed their mind")
    click(qtbot, clerk.cancel_button)
    assert [c[1] for c in worker.calls if c[0] == "clerk_cancel"] == [(ID, "holder changed their mind", "sato")]
    click(qtbot, clerk.close_button)
    assert win.clerk_id is None


def test_an_approval_needs_a_named_clerk_and_a_reason(kiosk, qtbot):
    win, worker, store = kiosk
    accounts = StaffAccounts(store)
    accounts.add("sato", "佐藤", "clerk", by="test")
    accounts.set_pin("sato", "24681357", by="test")
    win.open_staff("clerk", approve="60000")
    page = win.pages["staff_pin"]
    assert page.reason.isVisibleTo(win)
    page.people.setCurrentRow(0)
    for d in "24681357":
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)  # no reason: not checked, nothing chosen
    assert not [c for c in worker.calls if c[0] == "choose"]
    page.reason.setText("町会の一括交換")
    for d in "24681357":
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)
    qtbot.waitUntil(lambda: bool([c for c in worker.calls if c[0] == "choose"]), timeout=5000)
    (call,) = [c for c in worker.calls if c[0] == "choose"]
    assert call[1] == ("60000",) and call[2] == {"clerk": "sato", "reason": "町会の一括交換"}


@pytest.mark.parametrize(
    "args, says",
    [
        (["--reason", "", "--clerk", "sato"], "--reason"),
        (["--reason", "   ", "--clerk", "sato"], "--reason"),
        (["--reason", "lost", "--clerk", ""], "--clerk"),
    ],
)
def test_exchanges_cancel_refuses_a_blank_reason_or_clerk_before_asking_a_pin(cfg, monkeypatch, capsys, args, says):
    assert cli(cfg, monkeypatch, "exchanges", "cancel", ID, *args, stdin="24681357\n") == 2
    assert says in capsys.readouterr().err


def test_a_kiosk_with_named_staff_only_needs_no_shared_pin(cfg, monkeypatch, capsys):
    assert cli(cfg, monkeypatch, "staff-pin", "status", "--json") == 1  # a fresh kiosk: nobody
    capsys.readouterr()
    assert cli(cfg, monkeypatch, "staff", "add", "sato", "--name", "佐藤", stdin="24681357\n") == 0
    assert (
        cli(cfg, monkeypatch, "staff", "add", "ito", "--name", "伊藤", "--role", "technician", stdin="97531864\n") == 0
    )
    capsys.readouterr()
    assert cli(cfg, monkeypatch, "staff-pin", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["ok"] is True and all(r["named_accounts"] and not r["pin_set"] for r in status["roles"])
