"""Clerk and technician screens over a stand-in worker: the clerk sees the exchanges that
wait for their card and cancels one only with a reason; the technician's live APDU trace
never shows the PIN; provisioning puts a key in the keyring and audits only its name."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import Qt

from kiosk.cardio.apdu import CommandApdu
from kiosk.cardio.connection import Connection
from kiosk.exchange.steps import Step
from kiosk.secrets import Secret, get_secret
from kiosk.store import audit


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def enter_staff(win, qtbot, role: str, pin: str) -> None:
    win.staff.set_pin(role, pin, by="test")
    win.open_staff(role)
    page = win.pages["staff_pin"]
    page._pick(role)
    for d in pin:
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)
    qtbot.waitUntil(lambda: win.current_page() == ("clerk" if role == "clerk" else "technician"), timeout=5000)


def test_clerk_lists_unfinished_exchanges_and_cancels_only_with_a_reason(kiosk, qtbot):
    win, worker, store = kiosk
    journal = win.parts.journal
    journal.create(
        "aaaaaaaa-0000-4000-8000-000000000000", "ev", Step.HOLD_REQUESTED, mykey_id="mk", points=500, fee=45, loaded=455
    )
    journal.advance("aaaaaaaa-0000-4000-8000-000000000000", Step.HELD)
    journal.advance("aaaaaaaa-0000-4000-8000-000000000000", Step.LOAD_INTENT, card_uid="04aa", balance_before=0)
    enter_staff(win, qtbot, "clerk", "246813")
    page = win.pages["clerk"]
    assert page.unfinished.count() == 1 and "AAAAAAAA" in page.unfinished.item(0).text()
    page.unfinished.setCurrentRow(0)
    click(qtbot, page.cancel_button)  # no reason: refused
    assert not [c for c in worker.calls if c[0] in ("call", "clerk_cancel")]
    page.reason.setText("card lost, holder informed")
    click(qtbot, page.cancel_button)  # settled on the card worker, by the card's log
    assert [c[1] for c in worker.calls if c[0] == "clerk_cancel"] == [
        ("aaaaaaaa-0000-4000-8000-000000000000", "card lost, holder informed", "clerk")
    ]
    click(qtbot, page.lost_button)
    assert [c[1][0] for c in worker.calls if c[0] == "call"] == ["clerk_lost"]
    assert "enter_mode" in [e.action for e in audit.entries(store)]
    click(qtbot, page.close_button)
    assert win.current_page() == "wait"


def test_clerk_is_told_how_to_settle_a_load_its_card_cannot_prove(kiosk, qtbot):
    from kiosk.exchange.finish import CardNeeded
    from kiosk.exchange.recovery import UNPROVABLE_DECIDED, flag_unprovable

    win, _worker, store = kiosk
    journal, exchange_id = win.parts.journal, "bbbbbbbb-0000-4000-8000-000000000000"
    journal.create(exchange_id, "ev", Step.HOLD_REQUESTED, mykey_id="mk", points=500, fee=45, loaded=455)
    journal.advance(exchange_id, Step.HELD)
    journal.advance(exchange_id, Step.LOAD_INTENT, card_ref="r" * 32, balance_before=0, log_anchor="")
    flag_unprovable([exchange_id], journal)  # as a tap of its card with a log too short finds it
    enter_staff(win, qtbot, "clerk", "246813")
    page = win.pages["clerk"]
    assert "ブレカの運営者に確認" in page.unfinished.item(0).text()
    assert "kiosk exchanges settle-unprovable" in page.alerts.text() and "BBBBBBBB" in page.alerts.text()
    page._job_done("clerk_cancel", CardNeeded(exchange_id))  # "cancel" without a card: no card can decide it
    assert "settle-unprovable" in page.status.text() and "リーダー" not in page.status.text()
    with store.transaction() as tx:  # the operator's answer recorded (kiosk/exchange/unprovable.py)
        audit.append(store, "clerk", UNPROVABLE_DECIDED, {"exchange_id": exchange_id, "decision": "loaded"}, conn=tx)
        journal.advance(exchange_id, Step.LOADED, conn=tx, balance_after=455)
    page.refresh()
    assert "settle-unprovable" not in page.alerts.text() and "ブレカの運営者" not in page.unfinished.item(0).text()


def test_clerk_sees_how_many_records_the_cloud_refused(kiosk, qtbot):
    win, _worker, store = kiosk
    with store.transaction() as tx:
        for seq, outcome in ((1, "accepted"), (2, "rejected:exchange_mismatch"), (3, None)):
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) "
                "VALUES (?, 'committed', 'x', 'x', 'ev')",
                (f"x{seq}",),
            )
            tx.execute(
                "INSERT INTO outbox(seq, record_id, exchange_id, record, hash, created_at, outcome) "
                "VALUES (?, ?, ?, '{}', 'h', 'x', ?)",
                (seq, f"r{seq}", f"x{seq}", outcome),
            )
    enter_staff(win, qtbot, "clerk", "246813")
    text = win.pages["clerk"].outbox.text()
    assert "1 / 3" in text and "保留）：1 件" in text


@pytest.mark.parametrize("role", ["clerk", "technician"])
def test_a_mode_without_a_pin_stays_closed_and_no_pin_is_created_at_the_screen(kiosk, qtbot, role):
    win, _worker, store = kiosk
    win.open_staff(role)
    page = win.pages["staff_pin"]
    page._pick(role)
    for d in "24682468":
        click(qtbot, page.keypad.keys[d])
    click(qtbot, page.ok)
    assert win.current_page() == "staff_pin" and "未設定" in page.banner.title.text()  # "No PIN is set …"
    assert not win.staff.has_pin(role)
    assert "set_staff_pin" not in [e.action for e in audit.entries(store)]


def test_wrong_staff_pins_make_the_next_try_wait_and_the_right_pin_then_opens(kiosk, qtbot):
    win, _worker, _store = kiosk
    now = [1_000.0]
    win.staff.clock = lambda: now[0]
    win.staff.set_pin("clerk", "246813", by="test")
    page = win.pages["staff_pin"]
    win.open_staff("clerk")

    def enter(pin: str) -> str:
        for d in pin:
            click(qtbot, page.keypad.keys[d])
        click(qtbot, page.ok)
        qtbot.waitUntil(lambda: page.ok.isEnabled(), timeout=5000)
        return page.banner.title.text()

    for _ in range(5):  # a citizen typing wrong PINs as fast as the screen lets them
        enter("111111")
        now[0] += win.staff.seconds_to_wait("clerk")
    text = enter("111111")  # the sixth: 16 s before the next is checked
    assert "16" in text and "ロック" not in text
    text = enter("246813")  # too soon: not checked, not counted, and the screen says to wait
    assert "16" in text and "待" in text and "ロック" not in text and win.current_page() == "staff_pin"
    now[0] += 16
    enter("246813")
    qtbot.waitUntil(lambda: win.current_page() == "clerk", timeout=5000)
    assert win.staff.seconds_to_wait("clerk") == 0


def test_the_technician_screen_refuses_a_pin_shorter_than_six_digits(kiosk, qtbot):
    win, _worker, store = kiosk
    enter_staff(win, qtbot, "technician", "135790")
    page = win.pages["technician"]
    for short in ("1234", "12345"):
        page.pin_value.setText(short)
        click(qtbot, page.clerk_pin_button)
        assert "6" in page.status.text() and page.pin_value.text() == ""
    assert not win.staff.has_pin("clerk")
    page.pin_value.setText("123456")
    click(qtbot, page.clerk_pin_button)
    assert win.staff.pin_state("clerk") == "ok"
    assert "123456" not in str(audit.entries(store))


class EchoCard(Connection):
    reader = "Test Reader"

    def transmit_raw(self, apdu: bytes) -> bytes:
        return b"\x90\x00"


def test_technician_trace_redacts_the_pin_and_provisioning_is_audited_without_the_value(kiosk, qtbot):
    win, _worker, store = kiosk
    enter_staff(win, qtbot, "technician", "135790")
    page = win.pages["technician"]
    EchoCard().transmit(CommandApdu(0x00, 0x20, 0x00, 0x80, b"1234"))  # VERIFY with a PIN
    EchoCard().transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("D392F000260100000001")))
    qtbot.waitUntil(lambda: "A4" in page.trace.toPlainText(), timeout=5000)
    trace = page.trace.toPlainText()
    assert "00 20 00 80" in trace and "31 32 33 34" not in trace
    key = bytes(range(16))
    page.secret_name.setCurrentIndex(0)
    page.secret_value.setText(base64.b64encode(key).decode())
    click(qtbot, page.save_secret)
    assert get_secret(Secret.BREKA_LOAD_MASTER) == key and page.secret_value.text() == ""
    entry = [e for e in audit.entries(store) if e.action == "provision_secret"][-1]
    assert entry.detail == {"name": Secret.BREKA_LOAD_MASTER.value, "bytes": 16}
    assert key.hex() not in str(audit.entries(store))
    click(qtbot, page.close_button)
    EchoCard().transmit(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    assert "B0" not in page.trace.toPlainText()  # the trace is off once the screen is closed
    assert audit.verify(store) is None


@pytest.mark.parametrize("role", ["clerk", "technician"])
def test_staff_pin_is_never_stored_in_clear(kiosk, role):
    win, _worker, store = kiosk
    win.staff.set_pin(role, "97531864", by="test")
    rows = store.query("SELECT key, value FROM settings")
    assert all("97531864" not in r["value"] for r in rows)


def test_a_citizen_tap_on_staff_opens_nothing_holding_it_or_the_keys_do(kiosk, qtbot):
    win, _worker, _store = kiosk
    click(qtbot, win.staff_button)  # a tap, as a citizen would
    qtbot.wait(50)
    assert win.current_page() == "wait" and win.local is None
    win.staff_hold.setInterval(100)
    qtbot.mousePress(win.staff_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.current_page() == "staff_pin", timeout=2_000)  # held
    qtbot.mouseRelease(win.staff_button, Qt.MouseButton.LeftButton)
    win.close_staff()
    assert win.current_page() == "wait"
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: win.current_page() == "staff_pin", timeout=2_000)


def test_the_approval_pad_says_the_clerk_types(kiosk):
    win, _worker, _store = kiosk
    win.open_staff("clerk", approve="60000")
    page = win.pages["staff_pin"]
    assert "60,000" in page.title.text() and page.who.isVisibleTo(win)
    assert "係員をお呼びください" in page.who.text()
