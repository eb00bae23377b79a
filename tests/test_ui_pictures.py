"""The card pictures (resources/images, shipped in the package) on the tap screens, and one
instruction per screen where it mattered most: the last PIN try and the Breka tap."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor
from PySide6.QtSvg import QSvgRenderer

from kiosk.exchange.view import Phase, Problem, View
from kiosk.ui.app import qt_app
from kiosk.ui.pictures import PICTURES, CardPicture, svg_bytes


def test_the_pictures_ship_as_valid_svg_with_a_title():
    for name in PICTURES:
        data = svg_bytes(name)
        assert QSvgRenderer(QByteArray(data)).isValid(), name
        assert b"<title" in data and b"<desc" in data  # read out by assistive tools


def _drawn(widget) -> int:
    """How many sampled pixels of the widget are not background white."""
    image = widget.grab().toImage()
    step = max(1, image.width() // 60)
    return sum(
        image.pixelColor(x, y) != QColor("white")
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )


def test_each_tap_screen_shows_where_its_card_goes(kiosk):
    win, worker, _ = kiosk
    win.resize(1024, 768)
    for page, view in (("wait", View(Phase.WAIT_MYNUMBER)), ("tap_breka", View(Phase.TAP_BREKA, loaded=455))):
        worker.view_changed.emit(view)
        qt_app().processEvents()
        picture = win.pages[page].findChild(CardPicture)
        assert picture is not None and picture.isVisible() and picture.height() >= 100, page
        assert _drawn(picture) > 100, page


def test_the_breka_screen_leads_with_taking_the_my_number_card_away(kiosk):
    win, worker, _ = kiosk
    worker.view_changed.emit(View(Phase.TAP_BREKA, loaded=455))
    page = win.pages["tap_breka"]
    assert "マイナンバーカード" in page.title.text() and "取って" in page.title.text()
    assert "ブレカカード" in page.hint.text()


def test_the_last_try_screen_has_one_message_and_one_way_back(kiosk):
    from PySide6.QtWidgets import QPushButton

    win, worker, _ = kiosk
    worker.view_changed.emit(View(Phase.PIN, Problem("wrong_pin", {"tries_left": 1}), tries_left=1))
    page = win.pages["pin"]
    assert page.banner.isVisible()  # before: the wrong-PIN banner
    page.keypad.set_text("9999")
    page.ok.click()
    qt_app().processEvents()
    assert page.last_try.isVisible() and not page.banner.isVisible() and not page.tries.isVisible()
    buttons = [b.text() for b in page.findChildren(QPushButton) if b.isVisible()]
    assert sorted(buttons) == sorted([page.last_go.text(), page.cancel.text()]), buttons
    assert buttons.count("やめる") == 1
