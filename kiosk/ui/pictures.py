"""The pictures of where a card goes (resources/images/*.svg, drawn for this product).

Shown scaled to the room the screen leaves, never stretched (the aspect ratio is kept),
and never larger than they were drawn for the screen's scale.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

# Not `from kiosk import resources`: mypy cannot see this package (pyproject [tool.mypy] says why).
import kiosk.resources as resources

PICTURES = {"mynumber": "reader-mynumber.svg", "breka": "reader-breka.svg"}


def svg_bytes(name: str) -> bytes:
    return resources.file("images", PICTURES[name]).read_bytes()


class CardPicture(QWidget):
    """One card-on-the-reader picture; it takes what height the page can spare."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.renderer = QSvgRenderer(QByteArray(svg_bytes(name)), self)
        if not self.renderer.isValid():
            raise ValueError(f"the picture {name!r} is not a valid SVG")
        self.setMinimumSize(96, 64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(PICTURES[name])

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return self.renderer.defaultSize()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        size = self.renderer.defaultSize().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x, y = (self.width() - size.width()) / 2, (self.height() - size.height()) / 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.renderer.render(painter, QRectF(x, y, size.width(), size.height()))
        painter.end()
