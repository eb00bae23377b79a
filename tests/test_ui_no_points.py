"""The "no points yet" screen: shown after the PIN when there is nothing to exchange or add,
with the QR code of the configured guide page and a guide slip for the receipt printer."""

from __future__ import annotations

from kiosk.exchange.view import Phase, View
from kiosk.ui.guide_qr import qr_svg
from kiosk.ui.receipt_printer import WIDTH, render_guide
from tests.ui_fixtures import kiosk  # noqa: F401 - the fixture

URL = "https://mykey.soumu.go.jp/"


class SlipPrinter:
    def __init__(self):
        self.guides: list[str] = []

    def print_guide(self, url: str) -> bool:
        self.guides.append(url)
        return True


def test_nothing_to_exchange_or_add_shows_the_guide_with_its_qr_code(kiosk):  # noqa: F811
    win, worker, _ = kiosk
    win.on_view(View(Phase.AMOUNT, usable=0, reserved=0, mykey_id="mk-abcd1234", mykey_created=True))
    assert win.current_page() == "no_points"
    page = win.pages["no_points"]
    assert page.qr.isVisible() and page.qr.renderer().isValid()
    assert URL in page.scan.text() and "留保ポイント" in page.how.text()
    win.printer = SlipPrinter()
    page.set_printer(True)
    page.print_button.click()
    assert win.printer.guides == [URL]
    page.ok.click()
    assert worker.calls[-1][0] == "cancel"  # the visit ends (counted as no usable points)


def test_reserved_points_alone_still_show_the_amount_screen(kiosk):  # noqa: F811
    win, _, _ = kiosk
    win.on_view(View(Phase.AMOUNT, usable=0, reserved=800, reserved_offer=True))
    assert win.current_page() == "amount"


def test_the_qr_code_and_the_slip_carry_the_url():
    from kiosk.ui.app import qt_app

    qt_app()  # fonts need the application
    svg = qr_svg(URL)
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"path" in svg
    assert qr_svg(URL) != qr_svg(URL + "x")  # the code depends on the address
    slip = render_guide(URL)
    assert slip.width() == WIDTH and slip.height() > 240  # text above, the QR code below
