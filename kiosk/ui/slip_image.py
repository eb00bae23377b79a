"""Slips drawn as lines of text: the receipt and the closing slip on the 58 mm printer (and
the closing slip's PDF), one line per (text, pixel size), each given its own height."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from kiosk.ui import style

WIDTH = 384  # dots on 58 mm thermal paper


def draw_lines(painter: QPainter, lines: list[tuple[str, int]], width: float, scale: float = 1.0) -> float:
    """Draw the lines from the top; returns where the next line would start."""
    y = 12.0 * scale
    for text, size in lines:
        font = QFont(style.cjk_family())
        font.setPixelSize(max(1, int(size * scale)))
        painter.setFont(font)
        rect = QRectF(8 * scale, y, width - 16 * scale, (size + 12) * scale)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, text)
        y += (size + 16) * scale
    return y


def lines_image(lines: list[tuple[str, int]]) -> QImage:
    """The lines as a white image, black text, as wide as the paper."""
    image = QImage(WIDTH, 24 + sum(size + 16 for _, size in lines), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QColor("black"))
    draw_lines(painter, lines, WIDTH)
    painter.end()
    return image
