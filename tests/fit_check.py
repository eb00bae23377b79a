"""What "fits" means for a screen: every shown label's text inside its rectangle (word wrap
considered), every button's text inside its contents, Japanese lines broken only between
BudouX phrases, and the keys of a keypad equally wide. Used by tests/test_ui_fit.py."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QPushButton, QStyle, QStyleOptionButton, QWidget

from kiosk.ui.phrases import BREAK, WORD_JOINER, phrases, plain
from kiosk.ui.widgets import Keypad

SLACK = 1  # px: rounding of the font metrics


def _label_text(w: QLabel) -> str:
    return QLabel.text(w)  # what Qt lays out (with the phrase marks), not PhraseLabel.text()


def label_problem(w: QLabel) -> str | None:
    text = _label_text(w)
    if not text.strip() or w.textFormat() == Qt.TextFormat.RichText:
        return None
    rect = w.contentsRect().adjusted(w.margin(), w.margin(), -w.margin(), -w.margin())
    fm = QFontMetrics(w.font())
    flags = int(w.alignment()) | (int(Qt.TextFlag.TextWordWrap) if w.wordWrap() else 0)
    need = fm.boundingRect(QRect(0, 0, rect.width(), 100_000), flags, text)
    if need.width() > rect.width() + SLACK or need.height() > rect.height() + SLACK:
        return f"needs {need.width()}x{need.height()}, has {rect.width()}x{rect.height()}"
    if w.wordWrap():
        return _phrase_break(w, text, rect.width())
    return None


def _lines(w: QLabel, text: str, width: int) -> list[str]:
    layout = QTextLayout(text, w.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    out = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        out.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return out


def _phrase_break(w: QLabel, text: str, width: int) -> str | None:
    """A wrapped Japanese line must end where a BudouX phrase ends."""
    for paragraph in text.split("\n"):
        lines = _lines(w, paragraph, width)
        if len(lines) < 2:
            continue
        whole = plain(paragraph)
        ends, at = set(), 0
        for p in phrases(whole):
            at += len(p)
            ends.add(at)
        at = 0
        for line in lines[:-1]:
            at += len(plain(line))
            stripped = plain(line).rstrip()
            if at not in ends and not (stripped != plain(line) or whole[at : at + 1].isspace()):
                return f"breaks inside a phrase: {plain(line)!r} / {whole[at:]!r}"
    return None


def button_problem(b: QPushButton) -> str | None:
    text = b.text()
    if not text:
        return None
    option = QStyleOptionButton()
    b.initStyleOption(option)
    rect = b.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, b)
    fm = QFontMetrics(b.font())
    need = fm.boundingRect(QRect(0, 0, 100_000, 100_000), int(Qt.AlignmentFlag.AlignCenter), text)
    if need.width() > rect.width() + SLACK or need.height() > rect.height() + SLACK:
        return f"needs {need.width()}x{need.height()}, has {rect.width()}x{rect.height()}"
    return None


def keypad_problem(k: Keypad) -> str | None:
    widths = {b.width() for b in k.keys.values()}
    if max(widths) - min(widths) > 2:
        return f"keys of widths {sorted(widths)}"
    return None


def problems(root: QWidget) -> list[str]:
    """Every misfit on the screen `root` shows now, as readable lines."""
    found = []
    for w in root.findChildren(QLabel):
        if w.isVisibleTo(root) and (p := label_problem(w)):
            found.append(f"label {plain(_label_text(w))[:40]!r}: {p}")
    for b in root.findChildren(QPushButton):
        if b.isVisibleTo(root) and (p := button_problem(b)):
            found.append(f"button {b.text()!r}: {p}")
    for k in root.findChildren(Keypad):
        if k.isVisibleTo(root) and (p := keypad_problem(k)):
            found.append(f"keypad: {p}")
    return found


__all__ = ["BREAK", "WORD_JOINER", "problems"]
