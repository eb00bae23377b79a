"""Reserved points (留保ポイント) at the counter, through the screens over the real stack
(pcscd + virtual cards, the cloud simulator process, the kiosk's SQLite file): shown with
their expiry, assigned to the event only with the citizen's consent (one screen, at most
two touches), idempotent in the cloud, and on the receipt."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from tests.exchange_world import breka_balance
from tests.test_ui_flow import WAIT_MS, ui  # noqa: F401 - the fixture: a kiosk window over the real stack

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(180)]
ASSIGN = "/v1/holder/reserved/assign"


def reserved_citizen(ui, points: int = 1_000, reserved: int = 3_000):  # noqa: F811
    mynumber, breka, mykey = ui.citizen(points=points)
    ui.world.admin.reserve(mykey, reserved)
    ui.mykey = mykey  # the module's tests share one kiosk file: each looks at its own holder
    return mynumber, breka


def assignments(ui):  # noqa: F811
    return [a for a in ui.world.engine.reserved_log.all() if a.mykey_id == ui.mykey]


def test_consent_assigns_the_reserved_points_and_the_exchange_uses_them(ui):  # noqa: F811
    mynumber, breka = reserved_citizen(ui)
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    assert "3,000" in amount.reserved.text() and amount.reserved.isVisible()
    assert amount.reserved_button.isVisible() and not amount.closed.isVisible()
    touches = 0
    ui.click(amount.reserved_button)
    touches += 1
    ui.wait_page("reserved")
    assert assignments(ui) == []  # the consent screen sends nothing
    ui.click(ui.win.pages["reserved"].ok)
    touches += 1
    ui.wait_page("amount")
    assert touches <= 2
    assert ui.win.view.usable == 4_000 and ui.win.view.reserved == 0 and ui.win.view.assigned == 3_000
    assert not amount.reserved_button.isVisible() and "4,000" in amount.usable.text()
    (row,) = assignments(ui)
    assert (row.state, row.points) == ("assigned", 3_000) and row.lot_id
    ui.choose("3500")
    ui.confirm()
    with ui.on_reader(breka):
        ui.wait_page("done")
    receipt = ui.win.view.receipt
    assert (receipt.reserved_assigned, receipt.points_left) == (3_000, 500) and receipt.nearest_expiry
    done = ui.win.pages["done"]
    assert done.assigned.isVisible() and "3,000" in done.assigned.text()
    assert any("500" == v.text() for _, v in done.rows)
    assert ui.world.parts.journal.get(receipt.exchange_id).state is Step.COMMITTED
    assert breka_balance(breka) == 3_500 - 3_500 // 11
    after = ui.world.balance(mynumber)
    assert after["usable"] == 500 and after["reserved"] == []


def test_declining_assigns_nothing(ui):  # noqa: F811
    mynumber, _ = reserved_citizen(ui)
    ui.sign_in(mynumber)
    ui.click(ui.win.pages["amount"].reserved_button)
    ui.wait_page("reserved")
    ui.click(ui.win.pages["reserved"].back)
    ui.wait_page("amount")
    assert ui.win.view.usable == 1_000 and ui.win.view.reserved == 3_000 and ui.win.view.assigned == 0
    assert assignments(ui) == []
    after = ui.world.balance(mynumber)
    assert after["usable"] == 1_000 and [r["points"] for r in after["reserved"]] == [3_000]


def test_a_retried_assignment_is_assigned_once(ui):  # noqa: F811
    """The cloud assigns, then every answer is lost: the screen offers to try again; the retry
    sends the journalled key and body again and gets the stored answer, not a second lot."""
    mynumber, _ = reserved_citizen(ui)
    ui.sign_in(mynumber)
    ui.click(ui.win.pages["amount"].reserved_button)
    ui.wait_page("reserved")
    ui.world.admin.fault(ASSIGN, "drop", phase="after", count=20)
    page = ui.win.pages["reserved"]
    ui.click(page.ok)
    ui.qtbot.waitUntil(lambda: page.banner.code == "reserved_unavailable" and not ui.win.busy, timeout=WAIT_MS)
    assert ui.win.current_page() == "reserved"
    (first,) = assignments(ui)
    assert first.state == "requested" and ui.world.balance(mynumber)["reserved"] == []  # it did reach the ledger
    ui.world.admin.clear_faults()
    ui.click(page.ok)
    ui.wait_page("amount")
    (row,) = assignments(ui)
    assert (row.key, row.state) == (first.key, "assigned")
    assert ui.win.view.usable == 4_000 and ui.win.view.problem is None
    after = ui.world.balance(mynumber)
    assert after["usable"] == 4_000 and len(after["lots"]) == 2  # the issued lot and ONE assigned lot


def test_the_cloud_refusing_leaves_the_points_reserved(ui):  # noqa: F811
    mynumber, _ = reserved_citizen(ui)
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    ui.click(amount.reserved_button)
    ui.wait_page("reserved")
    body = json.dumps({"error": {"code": "event_closed", "message": "the event no longer issues points"}})
    ui.world.admin.fault(ASSIGN, "answer", phase="before", status=409, body=body)
    ui.click(ui.win.pages["reserved"].ok)
    ui.wait_page("amount")
    assert ui.win.view.problem.code == "reserved_closed" and amount.banner.isVisible()
    assert amount.closed.isVisible() and not amount.reserved_button.isVisible()
    (row,) = assignments(ui)
    assert (row.state, row.last_error) == ("refused", "event_closed")
    assert ui.win.view.usable == 1_000
    assert [r["points"] for r in ui.world.balance(mynumber)["reserved"]] == [3_000]
    ui.choose("500")  # the other points are still exchanged
    assert ui.win.view.phase is Phase.CONFIRM


def test_after_the_issuing_period_no_assignment_is_offered(ui):  # noqa: F811
    mynumber, _ = reserved_citizen(ui)
    ui.world.engine.issue_until = datetime(2020, 1, 1, tzinfo=UTC)
    ui.sign_in(mynumber)
    amount = ui.win.pages["amount"]
    assert amount.reserved.isVisible() and "3,000" in amount.reserved.text()
    assert not amount.reserved_button.isVisible()
    assert amount.closed.isVisible() and "期限" in amount.closed.text()
    assert ui.win.view.issuing_closed and not ui.win.view.reserved_offer
