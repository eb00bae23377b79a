"""The kiosk window: a stack of screens that shows the engine's View, and the kiosk rules
(idle timeout, language switch, staff modes). It never calls the engine: every event
goes to the card worker, every View comes back by signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.exchange.view import Phase, View
from kiosk.ui import style
from kiosk.ui.idle_warning import WARN_S, IdleWarning
from kiosk.ui.page_set import Pages, citizen_pages, staff_pages
from kiosk.ui.pages_card import WaitPage
from kiosk.ui.widgets import BigButton, Page, label

if TYPE_CHECKING:
    from kiosk.config import Config

translate = QCoreApplication.translate

PAGE_FOR_PHASE = {
    Phase.WAIT_MYNUMBER: "wait",
    Phase.PIN: "pin",
    Phase.LOCKED: "locked",
    Phase.AMOUNT: "amount",
    Phase.MYKEY_CONSENT: "mykey",
    Phase.RESERVED: "reserved",
    Phase.CONFIRM: "confirm",
    Phase.TAP_BREKA: "tap_breka",
    Phase.DONE: "done",
    Phase.FAILED: "error",
}
STAFF_HOLD_MS = 1500  # how long 係員 is held to open the staff PIN pad
SHOW_LOADING = {"pin", "hold", "card", "assign", "mykey"}


def page_for(view: View) -> str:
    """The screen for a view: the amount screen, unless there is nothing to exchange or add."""
    if view.phase is Phase.AMOUNT and view.usable <= 0 and view.reserved <= 0:
        return "no_points"
    return PAGE_FOR_PHASE[view.phase]


@dataclass
class UiSettings:
    language: str = "ja"
    fullscreen: bool = False
    idle_timeout_s: int = 60
    clerk_threshold: int = 50_000
    card_upper_limit: int = 1_000_000
    guide_url: str = ""  # mykey.guide_url: the QR code on the "no points" screen

    @classmethod
    def from_config(cls, cfg) -> UiSettings:
        return cls(
            cfg.get("ui", "language"),
            cfg.get("ui", "fullscreen"),
            cfg.get("ui", "idle_timeout_s"),
            cfg.get("rules", "clerk_threshold"),
            cfg.get("rules", "card_upper_limit"),
            cfg.get("mykey", "guide_url"),
        )


def _application() -> QCoreApplication:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("the kiosk window needs the QApplication (kiosk.ui.app.qt_app) to exist")
    return app


class _InputWatcher(QObject):
    """Any touch, click or key press restarts the idle timer."""

    def __init__(self, on_input, parent=None):
        super().__init__(parent)
        self.on_input = on_input

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.on_input()
        return False


class KioskWindow(QWidget):
    page_shown = Signal(str)  # name of the page now on top (tests, demo shots)
    idle_reset = Signal()
    cfg: Config  # set by kiosk.ui.app.Kiosk; a window built without it (tests) has none

    def __init__(self, worker, settings: UiSettings, languages=None, staff=None, parts=None, printer=None):
        super().__init__()
        self.worker, self.settings, self.languages = worker, settings, languages
        self.staff, self.parts, self.printer = staff, parts, printer
        self.setWindowTitle("Kiosk")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._may_close = False
        self.view: View = View(phase=Phase.WAIT_MYNUMBER)
        self.busy = ""
        self.local: str | None = None  # a staff page shown over the flow
        self.retries: Any = None  # kiosk.exchange.follow_up.FollowUp, set by kiosk.ui.app.Kiosk
        self.reversals: Any = None  # kiosk.exchange.reversal.Reversals, set by kiosk.ui.app.Kiosk
        self.clerk_id: str | None = None  # the staff id of the clerk signed in (kiosk.ui.staff_pages)
        self._scale = 0.0
        self.family = style.cjk_family()

        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.brand = label(role="step", wrap=False)
        self.lang_button = BigButton(role="bar")
        self.lang_button.clicked.connect(self.toggle_language)
        # Staff enter by holding 係員 (STAFF_HOLD_MS) or by Ctrl+Alt+S on the office keyboard: a
        # citizen's tap does nothing, so nobody opens the staff PIN pad by accident.
        self.staff_button = BigButton(role="bar")
        self.staff_hold = QTimer(self)
        self.staff_hold.setSingleShot(True)
        self.staff_hold.setInterval(STAFF_HOLD_MS)
        self.staff_hold.timeout.connect(lambda: self.open_staff(None))
        self.staff_button.pressed.connect(self.staff_hold.start)
        self.staff_button.released.connect(self.staff_hold.stop)
        QShortcut(QKeySequence("Ctrl+Alt+S"), self, lambda: self.open_staff(None))
        bar.addWidget(self.brand, 1)
        bar.addWidget(self.lang_button)
        bar.addWidget(self.staff_button)
        outer.addLayout(bar)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.warning = IdleWarning(self)  # over the whole window, outside the layout

        # Only the start screen is built before the first screen is shown; the others are
        # built by warm_up() right behind it (or at their first use), so the counter opens sooner.
        self.pages = Pages(self)
        self.add_page(WaitPage())
        self.pages.later.update(citizen_pages(self))
        if staff is not None:  # clerk and technician screens
            self.pages.later.update(staff_pages(self))

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(settings.idle_timeout_s * 1000)
        self.idle.timeout.connect(self.on_idle)
        self.warn = QTimer(self)  # the countdown starts WARN_S before the wipe
        self.warn.setSingleShot(True)
        self.warn.setInterval(max(0, settings.idle_timeout_s - WARN_S) * 1000)
        self.warn.timeout.connect(self.on_idle_soon)
        self._watcher = _InputWatcher(self.touch, self)  # dies with the window, and leaves the app
        _application().installEventFilter(self._watcher)

        worker.view_changed.connect(self.on_view)
        worker.busy_changed.connect(self.on_busy)
        worker.long_command.connect(self.on_long_command)
        self.retranslate()
        self.show_page("wait")

    def add_page(self, page) -> None:
        self.pages[page.name] = page
        self.stack.addWidget(page)

    # -- the engine's views ------------------------------------------------------------
    def on_view(self, view: View) -> None:
        self.view = view
        self.touch()
        name = page_for(view)
        page = self.pages[name]
        page.show_view(view)
        if self.local is None:
            self.show_page(name)

    def on_busy(self, what: str) -> None:
        self.busy = what
        if self.local is not None:
            return
        if what in SHOW_LOADING:
            stage = "load" if (what == "card" and self.view.phase is Phase.TAP_BREKA) else what
            self.pages["loading"].set_busy(stage)
            self.show_page("loading")
        elif not what and self.current_page() == "loading":
            self.show_page(page_for(self.view))

    def on_long_command(self, _what: str) -> None:
        """The card signs or commits now: progress and "do not move the card" (issue 19)."""
        if self.local is not None or not self.busy:
            return
        self.pages["loading"].hold_still()
        if self.current_page() != "loading":
            self.show_page("loading")

    def show_page(self, name: str) -> None:
        self.stack.setCurrentWidget(self.pages[name])
        # Keys go to the window (then to the page); no button looks focused until Tab is used.
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.page_shown.emit(name)

    def current_page(self) -> str:
        return self._current().name

    def _current(self) -> Page:
        page = self.stack.currentWidget()
        if not isinstance(page, Page):  # the stack holds only pages, one always current
            raise RuntimeError(f"the window's stack shows {page!r}, not a page")
        return page

    def visible_texts(self) -> list[str]:
        """What the current screen says (its labels that are shown), for `kiosk run --smoke-test`."""
        from PySide6.QtWidgets import QLabel

        page = self._current()
        return [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(self) and w.text()]

    # -- the citizen's choices -----------------------------------------------------------
    def amount_chosen(self, text: str, needs_clerk: bool) -> None:
        if needs_clerk and self.staff is not None:
            self.open_staff("clerk", approve=text)
        else:
            self.worker.choose(text)

    def start_over(self) -> None:
        """ "Stop", "Finish", "Back to the start": wipe what was typed, cancel in the engine."""
        self.wipe()
        self.worker.cancel("holder cancelled" if self.view.phase not in (Phase.DONE, Phase.FAILED) else "done")
        self.reset_language()

    def wipe(self) -> None:
        for page in self.pages.values():
            page.wipe()

    # -- kiosk behaviour -----------------------------------------------------------------
    def touch(self) -> None:
        self.idle.start()
        self.warn.start()
        if self.warning.isVisible():
            self.warning.hide()

    def on_idle_soon(self) -> None:
        """Only where something would be lost: the start screen has nothing to wipe."""
        if self.current_page() != "wait" or self.local is not None:
            self.warning.start(max(1, round(self.idle.remainingTime() / 1000)))

    def on_idle(self) -> None:
        """Back to the start with every sensitive value wiped."""
        self.warning.hide()
        self.wipe()
        self.local = None
        self.clerk_id = None
        self.worker.reset()
        self.show_page("wait")
        self.reset_language()
        self.idle_reset.emit()

    def reset_language(self) -> None:
        """Every new citizen starts in the office's language (ui.language, Japanese by default):
        the last citizen's English choice does not stay for the next one."""
        if self.languages is not None and self.languages.current != self.settings.language:
            self.languages.use(self.settings.language)
            self.retranslate()

    def allow_close(self) -> None:
        """Shutdown and technicians only: a citizen cannot close the counter window."""
        self._may_close = True

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._may_close or not self.settings.fullscreen:
            super().closeEvent(event)
        else:  # kiosk mode: Alt+F4, the window manager's close, a stray gesture
            event.ignore()

    def toggle_language(self) -> None:
        if self.languages is None:
            return
        self.languages.use(self.languages.other())
        self.retranslate()

    def retranslate(self) -> None:
        self.brand.setText(translate("kiosk", "Experiment points → Breka points"))
        current = self.languages.current if self.languages else "en"
        self.lang_button.setText("English" if current == "ja" else "日本語")
        self.staff_button.setText(translate("kiosk", "Staff"))
        for page in self.pages.values():
            page.retranslate()
        self.warning.retranslate()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        from PySide6.QtWidgets import QApplication

        page = self._current()
        if page.handle_key(event.key(), event.text(), QApplication.focusWidget()):
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.warning.isVisible():
            self.warning.setGeometry(self.rect())
        scale = round(style.scale_for(event.size().height(), event.size().width()), 2)
        if scale != self._scale:
            self._scale = scale
            self.setStyleSheet(style.stylesheet(scale, self.family))
        super().resizeEvent(event)

    def start(self) -> None:
        if self.settings.fullscreen:
            self.showFullScreen()
        else:
            self.show()
        self.touch()

    def warm_up(self) -> None:
        """Build the screens the first one did without, and paint every citizen screen once
        before the first citizen: PySide builds some Python types lazily (the first paint of a
        busy bar or the first touch costs ~150 ms once). The screens are painted into pixmaps,
        not shown, so the display does not flicker."""
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QKeyEvent, QMouseEvent

        self.pages.build_all()
        app = _application()
        for name in (
            "pin",
            "mykey",
            "no_points",
            "amount",
            "reserved",
            "confirm",
            "tap_breka",
            "loading",
            "done",
            "error",
            "locked",
            "wait",
        ):
            page = self.pages[name]
            page.resize(self.stack.size())
            page.grab()
        for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            event = QMouseEvent(
                kind,
                QPointF(1, 1),
                QPointF(1, 1),
                Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
            app.sendEvent(self.brand, event)
        app.sendEvent(self.brand, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier))
        app.processEvents()
        self.show_page(page_for(self.view))

    # -- staff ---------------------------------------------------------------------------
    def open_staff(self, role: str | None, approve: str | None = None) -> None:
        if self.staff is None:
            return
        self.local = "staff_pin"
        self.pages["staff_pin"].ask(role, approve)
        self.show_page("staff_pin")

    def close_staff(self) -> None:
        self.local = None
        self.clerk_id = None  # the next staff session signs in again
        self.show_page(page_for(self.view))

    def print_guide(self) -> None:
        if self.printer is not None and self.settings.guide_url:
            self.printer.print_guide(self.settings.guide_url)

    def print_receipt(self) -> None:
        if self.printer is not None and self.view.receipt is not None:
            ok = self.printer.print_receipt(self.view.receipt, self.languages.current if self.languages else "ja")
            if ok is False:  # said on the screen, not only in the log
                self.pages["done"].printer_failed()
