"""A first-time citizen at the counter (issue 18), through the screens over the real stack
(pcscd + virtual cards, the cloud simulator process, the kiosk's SQLite file): the card
has no MyKey ID; one consent screen sets it up with the proof of the one PIN entry, and
the visit goes on to the reserved points, the amount and the Breka card."""

from __future__ import annotations

import itertools

import pytest

from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.store import visits
from kiosk.sync.cloud_errors import NoMykeyId
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.mynumber_card import MyNumberCard
from tests.exchange_world import breka_balance
from tests.test_ui_flow import WAIT_MS, ui  # noqa: F401 - the fixture: a kiosk window over the real stack

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(180)]
MYKEY = "/v1/holder/mykey"
_names = itertools.count()


def first_timer(ui, waiting: int = 3_000):  # noqa: F811
    """A card with no MyKey ID whose partner points (reserved once the MyKey ID exists) wait."""
    name = f"first-{next(_names)}"
    path = ui.world.env.mynumber_card(name)
    cert = ui.world.env.auth_cert_der(path)
    if waiting:
        ui.world.admin.reserve_waiting(cert, waiting)
    return MyNumberCard.open(path), BrekaCard.open(ui.world.env.breka_card(name)), cert


def to_consent(ui, mynumber) -> None:  # noqa: F811
    """Tap, PIN: the consent screen; the card is taken away after it (creation needs no card)."""
    with ui.on_reader(mynumber):
        ui.wait_page("pin")
        ui.enter_pin()
        ui.wait_page("mykey")


def setups(ui) -> list[tuple[str, str]]:  # noqa: F811
    return ui.world.engine.mykey_log.states()


def counted(ui, outcome: str) -> int:  # noqa: F811
    return sum(m.get(outcome, 0) for m in visits.monthly(ui.world.parts.journal.store, "2000-01", "2999-12").values())


def test_first_time_citizen_goes_from_tap_to_breka_points_in_at_most_14_touches(ui):  # noqa: F811
    """The clerk guide's count: every tap of a card and every press of a screen button."""
    mynumber, breka, cert = first_timer(ui)
    before, created_before = len(setups(ui)), counted(ui, "mykey_created")
    touches = 0
    with ui.on_reader(mynumber):
        touches += 1  # the My Number Card
        ui.wait_page("pin")
        ui.enter_pin()
        touches += 5  # four digits and OK: the one PIN entry
        ui.wait_page("mykey")
    page = ui.win.pages["mykey"]
    assert (
        page.ok.isVisible()
        and page.back.isVisible()
        and ("MyKey" in page.title.text() or "マイキー" in page.title.text())
    )
    assert len(setups(ui)) == before  # the consent screen sends nothing
    ui.click(page.ok)
    touches += 1
    ui.wait_page("amount")
    view = ui.win.view
    assert view.mykey_created and view.usable == 0 and view.reserved == 3_000 and view.reserved_offer
    assert ui.world.admin.enrol(cert) == view.mykey_id  # the cloud holds it (enrol answers the existing one)
    assert setups(ui)[-1][1] == "created" and counted(ui, "mykey_created") == created_before + 1
    amount = ui.win.pages["amount"]
    ui.click(amount.reserved_button)
    touches += 1
    ui.wait_page("reserved")
    ui.click(ui.win.pages["reserved"].ok)
    touches += 1
    ui.wait_page("amount")
    assert ui.win.view.usable == 3_000
    ui.click(amount.all_button)
    ui.click(amount.next)
    touches += 2
    ui.wait_page("confirm")
    ui.confirm()
    touches += 1
    with ui.on_reader(breka):
        touches += 1  # the Breka card
        ui.wait_page("done")
    assert touches <= 14, touches
    receipt = ui.win.view.receipt
    assert receipt.reserved_assigned == 3_000 and receipt.points_used == 3_000
    assert ui.world.parts.journal.get(receipt.exchange_id).state is Step.COMMITTED
    assert breka_balance(breka) == 3_000 - 3_000 // 11
    assert ui.world.balance(mynumber)["usable"] == 0


def test_refusing_creates_nothing(ui):  # noqa: F811
    mynumber, _, _ = first_timer(ui)
    before, declined = len(setups(ui)), counted(ui, "mykey_declined")
    to_consent(ui, mynumber)
    ui.click(ui.win.pages["mykey"].back)
    ui.wait_page("wait")
    assert ui.win.view.problem.code == "mykey_declined" and ui.win.view.phase is Phase.WAIT_MYNUMBER
    assert ui.world.engine._v.proof is None  # the proof went with the visit
    assert len(setups(ui)) == before and counted(ui, "mykey_declined") == declined + 1
    with pytest.raises(NoMykeyId):
        ui.world.balance(mynumber)


def test_the_card_taken_away_or_another_put_down_at_consent_keeps_the_proof(ui):  # noqa: F811
    mynumber, breka, _ = first_timer(ui)
    to_consent(ui, mynumber)  # the My Number Card has left the reader
    with ui.on_reader(breka):  # a card put down meanwhile is not a step here
        ui.qtbot.wait(500)
    assert ui.win.current_page() == "mykey" and ui.win.view.problem is None
    ui.click(ui.win.pages["mykey"].ok)
    ui.wait_page("amount")
    assert ui.win.view.mykey_created and ui.win.view.reserved == 3_000


def test_a_certificate_revoked_before_creation_is_refused(ui):  # noqa: F811
    mynumber, _, cert = first_timer(ui)
    to_consent(ui, mynumber)
    ui.world.admin.revoke(cert)
    ui.click(ui.win.pages["mykey"].ok)
    ui.wait_page("error")
    assert ui.win.view.problem.code == "certificate_revoked"
    assert setups(ui)[-1][1] == "refused" and ui.world.engine._v.proof is None
    with pytest.raises(Exception) as err:
        ui.world.balance(mynumber)
    assert getattr(err.value, "code", "") == "certificate_revoked"


def test_a_retried_creation_after_a_lost_answer_creates_one_mykey_id(ui):  # noqa: F811
    """The cloud creates, then every answer is lost: the screen offers to try again; the retry
    sends the journalled key and the same proof and gets the stored answer."""
    mynumber, _, cert = first_timer(ui)
    to_consent(ui, mynumber)
    ui.world.admin.fault(MYKEY, "drop", phase="after", count=20)
    page = ui.win.pages["mykey"]
    ui.click(page.ok)
    ui.qtbot.waitUntil(lambda: page.banner.code == "mykey_unavailable" and not ui.win.busy, timeout=WAIT_MS)
    assert ui.win.current_page() == "mykey"
    first_key, state = setups(ui)[-1]
    assert state == "requested"
    ui.world.admin.clear_faults()
    ui.click(page.ok)
    ui.wait_page("amount")
    assert setups(ui)[-1] == (first_key, "created")
    assert ui.world.admin.enrol(cert) == ui.win.view.mykey_id  # the one created by the first call
    assert ui.win.view.reserved == 3_000  # handed over once
    assert [r["points"] for r in ui.world.balance(mynumber)["reserved"]] == [3_000]


def test_set_up_with_no_points_at_all_shows_how_partner_points_become_reserved(ui):  # noqa: F811
    mynumber, _, _ = first_timer(ui, waiting=0)
    nothing = counted(ui, "no_usable_points")
    to_consent(ui, mynumber)
    ui.click(ui.win.pages["mykey"].ok)
    ui.wait_page("no_points")
    page = ui.win.pages["no_points"]
    assert ui.win.view.mykey_created and page.qr.isVisible() and page.qr.renderer().isValid()
    assert ui.win.cfg.get("mykey", "guide_url") in page.scan.text()
    ui.click(page.ok)
    ui.wait_page("wait")
    assert counted(ui, "no_usable_points") == nothing + 1
