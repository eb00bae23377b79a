"""The window's screens by name, each built when first needed.

Building every screen before the first one is shown made the counter open ~250 ms later
(issue 17): the window builds only the start screen, shows it, and `KioskWindow.warm_up`
builds the rest right behind it. A screen asked for before that (tests, a view arriving
early) is built on the spot, so `window.pages[name]` always answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.ui.widgets import Page

Maker = Callable[[], Page]


class Pages(dict[str, Any]):  # name -> Page; each kind has its own signals and methods
    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.later: dict[str, Maker] = {}  # screens not built yet

    def __missing__(self, name: str) -> Page:
        make = self.later.pop(name, None)
        if make is None:
            raise KeyError(name)
        page = make()
        if page.name != name:  # a wrong key would build the screen again at every use
            raise RuntimeError(f"the screen built for {name!r} calls itself {page.name!r}")
        self.window.add_page(page)
        page.retranslate()  # in the language shown now
        return page

    def build_all(self) -> None:
        for name in list(self.later):
            self[name]


def citizen_pages(window) -> dict[str, Maker]:
    """The citizen's screens after the start screen, each wired to the card worker and the window."""
    worker, settings = window.worker, window.settings

    def pin() -> Page:
        from kiosk.ui.pages_card import PinPage

        page = PinPage()
        page.pin_entered.connect(lambda pin, last: worker.submit_pin(pin, last))
        page.cancel_requested.connect(window.start_over)
        return page

    def locked() -> Page:
        from kiosk.ui.pages_card import LockedPage

        page = LockedPage()
        page.done.connect(window.start_over)
        return page

    def amount() -> Page:
        from kiosk.ui.pages_amount import AmountPage

        page = AmountPage(settings.clerk_threshold, settings.card_upper_limit)
        page.amount_chosen.connect(window.amount_chosen)
        page.cancel_requested.connect(window.start_over)
        page.reserved_requested.connect(worker.ask_reserved)
        return page

    def mykey() -> Page:
        from kiosk.ui.pages_mykey import MykeyPage

        page = MykeyPage()
        page.answered.connect(worker.consent_mykey)
        return page

    def no_points() -> Page:
        from kiosk.ui.pages_no_points import NoPointsPage

        page = NoPointsPage(settings.guide_url)
        page.finished.connect(window.start_over)
        page.print_requested.connect(window.print_guide)
        page.set_printer(window.printer is not None)
        return page

    def reserved() -> Page:
        from kiosk.ui.pages_reserved import ReservedPage

        page = ReservedPage()
        page.answered.connect(worker.assign_reserved)
        return page

    def confirm() -> Page:
        from kiosk.ui.pages_amount import ConfirmPage

        page = ConfirmPage()
        page.confirmed.connect(worker.confirm)
        page.change_requested.connect(lambda: window.show_page("amount"))
        page.cancel_requested.connect(window.start_over)
        return page

    def tap_breka() -> Page:
        from kiosk.ui.pages_end import TapBrekaPage

        page = TapBrekaPage()
        page.cancel_requested.connect(window.start_over)
        return page

    def loading() -> Page:
        from kiosk.ui.pages_end import LoadingPage

        return LoadingPage()

    def done() -> Page:
        from kiosk.ui.pages_end import DonePage

        page = DonePage()
        page.finished.connect(window.start_over)
        page.print_requested.connect(window.print_receipt)
        page.set_printer(window.printer is not None)
        return page

    def error() -> Page:
        from kiosk.ui.pages_end import ErrorPage

        page = ErrorPage()
        page.done.connect(window.start_over)
        return page

    return {
        "pin": pin,
        "locked": locked,
        "amount": amount,
        "mykey": mykey,
        "no_points": no_points,
        "reserved": reserved,
        "confirm": confirm,
        "tap_breka": tap_breka,
        "loading": loading,
        "done": done,
        "error": error,
    }


def staff_pages(window) -> dict[str, Maker]:
    """Clerk and technician screens by name, built by warm_up or at first use."""

    def staff_pin() -> Page:
        from kiosk.ui.staff_pages import StaffPinPage

        return StaffPinPage(window)

    def clerk() -> Page:
        from kiosk.ui.clerk import ClerkPage

        return ClerkPage(window)

    def reversal() -> Page:
        from kiosk.ui.reversal_page import ReversalPage

        return ReversalPage(window)

    def today() -> Page:
        from kiosk.ui.clerk_today import TodayPage

        return TodayPage(window)

    def claim() -> Page:
        from kiosk.ui.claim_page import ClaimPage

        return ClaimPage(window)

    def technician() -> Page:
        from kiosk.ui.technician import TechnicianPage

        return TechnicianPage(window)

    return {
        "staff_pin": staff_pin,
        "clerk": clerk,
        "reversal": reversal,
        "today": today,
        "claim": claim,
        "technician": technician,
    }
