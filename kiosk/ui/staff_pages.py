"""The staff PIN screen (clerk or technician) and the wiring of the staff modes.

Who first (a list of names: kiosk.ui.staff_accounts), then that person's own PIN. The PIN
check (scrypt) runs off the GUI thread. A clerk's PIN also approves an amount above the
threshold: the engine then records the approval, naming the clerk, in the audit chain.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QVBoxLayout

from kiosk.ui.staff_accounts import Person, StaffAccounts
from kiosk.ui.staff_auth import StaffLocked
from kiosk.ui.widgets import Banner, BigButton, Keypad, Page, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.ui.window import KioskWindow

translate = QCoreApplication.translate
CLERK_NAME = "clerk"  # the shared clerk PIN's id; a signed-in clerk is `window.clerk_id`


class _Relay(QObject):
    done = Signal(object)


_relays: set = set()


def in_background(fn, on_done) -> None:
    """Run `fn()` on a short-lived thread; `on_done(result or exception)` on the GUI thread."""
    relay = _Relay()
    _relays.add(relay)

    def finish(result):
        _relays.discard(relay)
        on_done(result)

    relay.done.connect(finish)

    def run():
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - handed to the screen
            result = exc
        relay.done.emit(result)

    threading.Thread(target=run, name="staff-check", daemon=True).start()


class StaffPinPage(Page):
    name = "staff_pin"

    def __init__(self, window: KioskWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.main = window  # not `self.window`: that is QWidget.window()
        self.role: str | None = None
        self.approve: str | None = None
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.title = label(role="title")
        roles = QHBoxLayout()
        self.clerk_button = BigButton(role="quiet")
        self.tech_button = BigButton(role="quiet")
        self.clerk_button.clicked.connect(lambda: self._pick("clerk"))
        self.tech_button.clicked.connect(lambda: self._pick("technician"))
        roles.addWidget(self.clerk_button)
        roles.addWidget(self.tech_button)
        self.who = label(role="hint")  # on an approval: the clerk types, not the citizen
        self.people_title = label(role="small")
        self.people = QListWidget()  # who signs in: their name, then their own PIN
        self.people.setObjectName("people")
        self._people: list[Person] = []
        self.reason = QLineEdit()  # an approval says why (required, audited)
        self.reason.setObjectName("approval_reason")
        self.entry = label(role="entry")
        self.banner = Banner()
        self.cancel = BigButton(role="danger")
        self.cancel.clicked.connect(self._cancel)
        left.addWidget(self.title)
        left.addWidget(self.who)
        left.addLayout(roles)
        left.addWidget(self.people_title)
        left.addWidget(self.people, 1)
        left.addWidget(self.reason)
        left.addWidget(self.entry)
        left.addWidget(self.banner)
        left.addStretch(1)
        left.addWidget(self.cancel)
        outer.addLayout(left, 5)
        right = QVBoxLayout()
        self.keypad = Keypad(12, masked=True)
        self.keypad.changed.connect(lambda _t: self.entry.setText(self.keypad.shown() or " "))
        self.ok = BigButton(role="primary")
        self.ok.clicked.connect(self._ok)
        right.addWidget(self.keypad)
        right.addWidget(self.ok)
        outer.addLayout(right, 4)
        self.retranslate()

    def ask(self, role: str | None, approve: str | None = None) -> None:
        self.approve = approve
        self.keypad.wipe()
        self._pick(role or "clerk")
        self.clerk_button.setVisible(approve is None)
        self.tech_button.setVisible(approve is None)
        self.who.setVisible(approve is not None)
        self.reason.clear()
        self.reason.setVisible(approve is not None)

    def _pick(self, role: str) -> None:
        self.role = role
        self.clerk_button.setProperty("role", "primary" if role == "clerk" else "quiet")
        self.tech_button.setProperty("role", "primary" if role == "technician" else "quiet")
        for b in (self.clerk_button, self.tech_button):
            b.style().unpolish(b)
            b.style().polish(b)
        self._say(None)
        self._list_people()
        self.retranslate()

    def accounts(self) -> StaffAccounts:
        staff = self.main.staff
        return StaffAccounts(staff.store, staff.clock)

    def _list_people(self) -> None:
        self.people.clear()
        self._people = self.accounts().choices(self.role) if self.role and self.main.staff is not None else []
        for p in self._people:
            self.people.addItem(self._name(p))
        if len(self._people) == 1:
            self.people.setCurrentRow(0)

    def _name(self, p: Person) -> str:
        if p.shared:
            return (
                translate("kiosk", "Shared clerk PIN")
                if p.role == "clerk"
                else translate("kiosk", "Shared technician PIN")
            )
        return f"{p.display_name} ({p.staff_id})"

    def retranslate(self) -> None:
        if self.approve:
            self.title.setText(translate("kiosk", "Staff approval: {n} points").format(n=f"{int(self.approve):,}"))
            self.who.setText(translate("kiosk", "The clerk enters the clerk PIN here. Please call the clerk."))
        else:
            self.title.setText(translate("kiosk", "Staff PIN"))
        self.people_title.setText(translate("kiosk", "Who are you? Choose your name, then enter your PIN."))
        for i, p in enumerate(self._people):
            item = self.people.item(i)
            if item is not None:
                item.setText(self._name(p))
        self.reason.setPlaceholderText(translate("kiosk", "Reason for the approval (required)"))
        self.clerk_button.setText(translate("kiosk", "Clerk"))
        self.tech_button.setText(translate("kiosk", "Technician"))
        self.cancel.setText(translate("kiosk", "Close"))
        self.ok.setText(translate("kiosk", "OK"))
        self.keypad.retranslate()

    def wipe(self) -> None:
        self.keypad.wipe()
        self.reason.clear()
        self.approve = None

    def _say(self, text: str | None) -> None:
        self.banner.title.setText(text or "")
        self.banner.instruction.setText("")
        self.banner.setVisible(bool(text))

    def _cancel(self) -> None:
        self.wipe()
        self.main.close_staff()

    def _ok(self) -> None:
        pin, role = self.keypad.text(), self.role
        self.keypad.wipe()
        if not pin:
            return
        if role is None:  # ask() picks a role before this page is shown
            raise RuntimeError("staff PIN entered before a role was picked")
        if not self._people:  # set at installation (`kiosk staff add`), never here
            self._say(translate("kiosk", "No PIN is set for this mode. A technician sets it."))
            return
        i = self.people.currentRow()
        if i < 0:
            self._say(translate("kiosk", "Choose your name first."))
            return
        if self.approve and not self.reason.text().strip():
            self._say(translate("kiosk", "Write the reason for the approval."))
            return
        person, accounts = self._people[i], self.accounts()
        self.ok.setEnabled(False)
        # The PIN is bound into the call (a closure cell would be emptied by `del` before the
        # background thread reads it).
        in_background(
            lambda entered=pin: accounts.check(person.staff_id, entered, role),
            lambda result: self._checked(role, result, person.staff_id),
        )
        del pin

    def _checked(self, role: str, result, staff_id: str = "") -> None:
        self.ok.setEnabled(True)
        if isinstance(result, StaffLocked):  # too soon after wrong entries: the mode is not locked
            self._say(translate("kiosk", "Please wait {s} s, then enter the PIN again.").format(s=result.seconds_left))
            return
        if result is not True:
            wait = self.accounts().seconds_to_wait(staff_id or role)
            if wait:
                self._say(translate("kiosk", "Wrong PIN. Please wait {s} s before the next try.").format(s=wait))
            else:
                self._say(translate("kiosk", "Wrong PIN. Each further wrong entry makes the next wait longer."))
            return
        w = self.main
        if self.approve:
            amount, self.approve = self.approve, None
            reason = self.reason.text().strip()
            self.reason.clear()
            w.close_staff()
            w.worker.choose(amount, clerk=staff_id or role, reason=reason)
            return
        page = "clerk" if role == "clerk" else "technician"
        w.clerk_id = staff_id or role  # named in every clerk action of this session
        w.local = page
        w.pages[page].open()
        w.show_page(page)
