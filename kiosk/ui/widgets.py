"""Small widgets shared by the screens: big buttons, a numeric keypad, a problem banner.

Touch targets are at least 48 px (MIN_TOUCH) at every scale; the type is sized for
reading from a metre (see style.py).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.phrases import breakable

translate = QCoreApplication.translate
MIN_TOUCH = 48


class BigButton(QPushButton):
    def __init__(self, text: str = "", role: str = "primary", parent=None):
        super().__init__(text, parent)
        self.setProperty("role", role)
        self.setMinimumSize(MIN_TOUCH * 2, MIN_TOUCH + 8)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # keyboard users reach it with Tab; a touch never focuses
        self.setCursor(Qt.CursorShape.PointingHandCursor)


class PhraseLabel(QLabel):
    """A label whose Japanese text wraps only between phrases (kiosk.ui.phrases). `text()`
    gives back what was set; Qt lays out and paints the text with the break marks."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._plain = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._plain = text
        super().setText(breakable(text) if self.wordWrap() or "\n" in text else text)

    def text(self) -> str:
        return self._plain

    def setWordWrap(self, on: bool) -> None:  # noqa: N802 - Qt API
        super().setWordWrap(on)
        self.setText(self._plain)


def label(text: str = "", role: str = "body", parent=None, wrap: bool = True) -> QLabel:
    widget = PhraseLabel(text, parent)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
    return widget


class Keypad(QWidget):
    """Digits, "clear" and "back". Emits `changed(text)`; `masked` shows ● instead of digits."""

    changed = Signal(str)

    def __init__(self, max_len: int, masked: bool = False, parent=None):
        super().__init__(parent)
        self.max_len, self.masked = max_len, masked
        self._text = ""
        grid = QGridLayout(self)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        layout = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        for i, key in enumerate(layout):
            # Words ("Clear", "Back") in a smaller type than digits; every key equally wide
            # (equal column stretch, text width ignored), so no column looks narrower.
            button = BigButton(key, role="key" if key.isdigit() else "keyword")
            button.setMinimumSize(MIN_TOUCH * 2, MIN_TOUCH + 8)
            button.setMaximumHeight(MIN_TOUCH * 3)
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(button, i // 3, i % 3)
            self.keys[key] = button
        for column in range(3):
            grid.setColumnStretch(column, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.keys["clear"].setText(translate("kiosk", "Clear"))
        self.keys["back"].setText(translate("kiosk", "Back"))

    def press(self, key: str) -> None:
        if key == "clear":
            self._text = ""
        elif key == "back":
            self._text = self._text[:-1]
        elif key.isdigit() and len(self._text) < self.max_len:
            # A PIN keeps its leading zeros; an amount does not start with one.
            self._text = key if (self._text == "0" and not self.masked) else self._text + key
        self.changed.emit(self._text)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text[: self.max_len]
        self.changed.emit(self._text)

    def wipe(self) -> None:
        self._text = ""
        self.changed.emit("")

    def shown(self) -> str:
        return "●" * len(self._text) if self.masked else self._text


class Banner(QWidget):
    """One problem: a title and one plain instruction. Hidden when there is none."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box = QVBoxLayout(self)
        self.title = label(role="banner-title")
        self.instruction = label(role="banner-text")
        box.addWidget(self.title)
        box.addWidget(self.instruction)
        self.code = ""
        self.hide()

    def show_problem(self, problem) -> None:
        from kiosk.ui.texts import problem_text

        self.code = problem.code if problem else ""
        title, instruction = problem_text(problem)
        self.title.setText(title)
        self.instruction.setText(instruction)
        self.setVisible(problem is not None)


class Page(QWidget):
    """A screen of the stack. `show_view(view)` renders the engine's View; `retranslate()`
    sets every fixed text (called again when the language changes); `wipe()` forgets
    anything typed."""

    name = "page"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName(self.name)
        self.view = None

    def show_view(self, view) -> None:
        self.view = view

    def retranslate(self) -> None:
        pass

    def wipe(self) -> None:
        pass

    # Keyboard: the first shown, enabled button named here answers Enter (Esc), as on the screen.
    DEFAULT_BUTTONS = ("last_go", "ok", "next", "back")
    ESCAPE_BUTTONS = ("cancel", "back")

    def handle_key(self, key: int, text: str, focused: QWidget | None = None) -> bool:
        """Office keyboards and citizens who prefer keys: digits (top row or numpad),
        Backspace and Delete on the keypad; Enter presses the focused button, else the
        screen's main one; Esc its way back. True when the key was used."""
        keypad = getattr(self, "keypad", None)
        if isinstance(keypad, Keypad) and keypad.isVisible():
            if len(text) == 1 and text.isdigit():
                keypad.press(text)
                return True
            if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
                keypad.press("back" if key == Qt.Key.Key_Backspace else "clear")
                return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if isinstance(focused, QPushButton) and self.isAncestorOf(focused) and focused.isEnabled():
                focused.click()
                return True
            return self._press_first(self.DEFAULT_BUTTONS)
        if key == Qt.Key.Key_Escape:
            return self._press_first(self.ESCAPE_BUTTONS)
        return False

    def _press_first(self, names: tuple[str, ...]) -> bool:
        for name in names:
            button = getattr(self, name, None)
            if isinstance(button, QPushButton) and button.isVisible() and button.isEnabled():
                button.click()
                return True
        return False


class MessagePage(Page):
    """A title, one plain instruction and one button (locked PIN, errors)."""

    done = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        box = QVBoxLayout(self)
        self.title = label(role="title")
        self.text = label(role="body")
        self.back = BigButton(role="primary")
        self.back.clicked.connect(self.done)
        box.addStretch(1)
        box.addWidget(self.title)
        box.addWidget(self.text)
        box.addStretch(1)
        box.addWidget(self.back)
