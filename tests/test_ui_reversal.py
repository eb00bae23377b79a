"""A correction driven through the GUI over the real pcscd, virtual cards and the cloud
simulator: a named clerk signs in, picks today's exchange, writes the reason; the citizen's My
Number Card and PIN, then their Breka card; the card loses the points, the cloud gives them
back, and the citizen's screen never starts a visit from those taps."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from kiosk.exchange.recovery import ALERT_REVERSAL_UNPROVABLE, alerts
from kiosk.exchange.reversal import RStep
from kiosk.store import audit
from kiosk.ui.reversal_page import unprovable_text
from kiosk.ui.staff_accounts import StaffAccounts
from tests.exchange_world import World, breka_balance, loads_elsewhere
from tests.test_ui_flow import WAIT_MS, UiWorld

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(180)]
REVERSAL_COMMIT_APDU = 9  # UID, select, authenticate (2), log, balance, debit, record, commit


@pytest.fixture
def ui(qtbot, world_dir, cloud, vpcd_slot):
    world = World(world_dir, cloud.url, vpcd_slot, timeout_s=2)
    u = UiWorld(qtbot, world, vpcd_slot)
    yield u
    u.stop()
    world.admin.clear_faults()


def at_take_back(ui):
    """A citizen exchanges 500 points (455 loaded); a named clerk opens the correction of it,
    the citizen proves themselves with card and PIN: the page asks for the Breka card."""
    mynumber, breka, _ = ui.citizen(points=10_000)
    ui.sign_in(mynumber)
    ui.choose("500")
    ui.confirm()
    with ui.on_reader(breka):
        ui.wait_page("done")
    exchange_id = ui.win.view.receipt.exchange_id
    ui.click(ui.win.pages["done"].ok)
    ui.wait_page("wait")
    assert breka_balance(breka) == 455 and ui.world.usable(mynumber) == 9_500

    accounts = StaffAccounts(ui.world.parts.store)
    if "sato" not in {p.staff_id for p in accounts.choices("clerk")}:  # the database is the module's
        accounts.add("sato", "佐藤", "clerk", by="test")
        accounts.set_pin("sato", "24681357", by="test")
    ui.win.open_staff("clerk")
    pin_page = ui.win.pages["staff_pin"]
    pin_page.people.setCurrentRow(0)
    ui.keys(pin_page.keypad, "24681357")
    ui.click(pin_page.ok)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "clerk", timeout=WAIT_MS)
    ui.click(ui.win.pages["clerk"].today_button)
    box = ui.win.pages["today"]
    assert ui.win.current_page() == "today" and box.list.count() >= 1
    box.list.setCurrentRow(box._ids.index(exchange_id))
    box.reason.setText("金額の入力まちがい")
    ui.click(box.reverse_button)
    assert ui.win.current_page() == "reversal"
    page = ui.win.pages["reversal"]
    with ui.on_reader(mynumber):
        ui.keys(page.keypad, "1234")
        ui.click(page.ok)
        ui.qtbot.waitUntil(lambda: page.take_back.isVisible(), timeout=WAIT_MS)
    assert ui.win.current_page() == "reversal" and ui.win.view.phase.value == "wait_mynumber"  # no visit began
    return mynumber, breka, exchange_id, page, box


def torn_take_back(ui, page, breka, exchange_id):
    """Take back with the Breka card leaving at the reversal's commit (applied, unheard): the
    card is debited, the reversal waits at card_intent."""
    with ui.on_reader(breka, remove_after=REVERSAL_COMMIT_APDU, remove_mode="after"):
        ui.click(page.take_back)
        working = QCoreApplication.translate("kiosk", "Working…")
        ui.qtbot.waitUntil(lambda: page.status.text() not in ("", working), timeout=WAIT_MS)
    (rev,) = ui.kiosk.reversals.of_exchange(exchange_id)
    assert rev.state is RStep.CARD_INTENT and breka_balance(breka) == 0
    return rev


def test_a_clerk_corrects_todays_exchange_from_the_screen(ui):
    mynumber, breka, exchange_id, page, box = at_take_back(ui)
    with ui.on_reader(breka):
        ui.click(page.take_back)
        ui.qtbot.waitUntil(lambda: not page.take_back.isEnabled(), timeout=WAIT_MS)
    assert "455" in page.status.text()
    assert breka_balance(breka) == 0
    assert ui.world.usable(mynumber) == 10_000
    (rev,) = ui.kiosk.reversals.of_exchange(exchange_id)
    assert rev.state is RStep.REVERSED and rev.clerk == "sato" and rev.reason == "金額の入力まちがい"
    assert ui.world.parts.outbox.reversal_record_for(exchange_id)["points_used"] == -500
    ui.click(page.close_button)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "today", timeout=WAIT_MS)
    assert "訂正済み" in box.list.item(box._ids.index(exchange_id)).text()
    assert ("reversed", "sato") in [(e.action, e.detail.get("clerk")) for e in audit.entries(ui.world.parts.store)]


def test_a_torn_correction_the_card_can_no_longer_prove_is_parked_and_shown(ui):
    """The Breka card leaves at the reversal's commit (applied, unheard); ten loads at another
    terminal push the reversal and its anchor out of the card's log. Take back again: the page
    says a person must decide and takes nothing; the clerk screen shows the alert."""
    mynumber, breka, exchange_id, page, _box = at_take_back(ui)
    rev = torn_take_back(ui, page, breka, exchange_id)
    loads_elsewhere(ui.world, breka, 10, 100)
    assert breka_balance(breka) == 1_000
    with ui.on_reader(breka):
        ui.click(page.take_back)
        ui.qtbot.waitUntil(lambda: page.status.text() == unprovable_text(), timeout=WAIT_MS)
    assert not page.take_back.isEnabled() and breka_balance(breka) == 1_000  # nothing taken again
    assert ui.kiosk.reversals.get(rev.reversal_id).state is RStep.CARD_INTENT
    assert ui.world.usable(mynumber) == 9_500  # nor given back by the cloud
    assert [a["reversal_id"] for a in alerts(ui.world.parts.journal, ALERT_REVERSAL_UNPROVABLE)] == [rev.reversal_id]
    ui.click(page.close_button)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "today", timeout=WAIT_MS)
    ui.click(ui.win.pages["today"].back_button)
    assert ui.win.current_page() == "clerk"
    assert "訂正" in ui.win.pages["clerk"].alerts.text() and "455" in ui.win.pages["clerk"].alerts.text()


def test_a_torn_correction_left_on_the_clerk_screen_is_settled_by_a_tap_at_the_start(ui):
    """The Breka card leaves at the reversal's commit (applied, unheard) and the clerk closes the
    correction screen: the clerk screen asks for the citizen's Breka card; tapped on the start
    screen, its log finishes the correction, with no second debit."""
    mynumber, breka, exchange_id, page, _box = at_take_back(ui)
    rev = torn_take_back(ui, page, breka, exchange_id)
    ui.click(page.close_button)
    ui.qtbot.waitUntil(lambda: ui.win.current_page() == "today", timeout=WAIT_MS)
    ui.click(ui.win.pages["today"].back_button)
    clerk = ui.win.pages["clerk"]
    assert ui.win.current_page() == "clerk"
    assert "ブレカカードをかざしてください" in clerk.alerts.text() and "455" in clerk.alerts.text()
    ui.click(clerk.close_button)
    ui.wait_page("wait")
    with ui.on_reader(breka):
        ui.qtbot.waitUntil(lambda: not ui.win.busy and ui.win.view.problem is not None, timeout=WAIT_MS)
    assert ui.win.view.problem.code == "correction_finished"
    assert "訂正" in ui.win.pages["wait"].banner.title.text()
    assert ui.kiosk.reversals.get(rev.reversal_id).state is RStep.REVERSED
    assert breka_balance(breka) == 0 and ui.world.usable(mynumber) == 10_000
    assert ui.world.parts.outbox.reversal_record_for(exchange_id)["points_used"] == -500
