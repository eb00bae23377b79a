"""Receipts on an ESC/POS printer (python-escpos), Japanese rendered as an image.

Thermal printers' built-in fonts rarely hold kanji, so the receipt is drawn with the CJK
font into a 1-bit-friendly image (384 dots wide, 58 mm paper) and sent as a raster.
The printer is chosen by a target text: "net:HOST[:PORT]", "usb:VID:PID" or
"file:/dev/usb/lp0". Without python-escpos or a target, receipts stay on screen.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from kiosk.exchange.view import short_number
from kiosk.ui import style
from kiosk.ui.slip_image import WIDTH, lines_image
from kiosk.ui.texts import expiry, local_time, points

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


def render_receipt(receipt, reissued: bool = False) -> QImage:
    """The receipt as a white image with black text, in the current language; a reprint is
    marked 再発行 (reissued) at the top."""
    lines = [(translate("kiosk", "Reissued"), 26)] if reissued else []
    lines += [
        (translate("kiosk", "Experiment points → Breka points"), 22),
        (translate("kiosk", "Date") + "  " + local_time(receipt.at), 20),
        (translate("kiosk", "Experiment points used") + "  " + points(receipt.points_used), 22),
        (translate("kiosk", "Fee (1/11)") + "  " + points(receipt.fee), 22),
        (translate("kiosk", "{n} Breka points were loaded").format(n=points(receipt.loaded)), 26),
        (translate("kiosk", "Breka balance now") + "  " + points(receipt.card_balance_after), 22),
        (translate("kiosk", "Experiment points left") + "  " + points(receipt.points_left), 22),
        (
            translate("kiosk", "Next expiry")
            + "  "
            + (expiry(receipt.nearest_expiry) if receipt.nearest_expiry else "-"),
            20,
        ),
        (translate("kiosk", "Receipt no.") + "  " + short_number(receipt.exchange_id), 20),
    ]
    if receipt.reserved_assigned:
        lines.insert(
            2, (translate("kiosk", "Reserved points added: {n}").format(n=points(receipt.reserved_assigned)), 22)
        )
    return lines_image(lines)


def render_guide(url: str) -> QImage:
    """The guide slip for a citizen with no points yet: how partner points become reserved
    points, and the QR code of the MyKey Platform's public page."""
    from PySide6.QtSvg import QSvgRenderer

    from kiosk.ui.guide_qr import qr_svg
    from kiosk.ui.pages_no_points import how_text

    lines = [(translate("kiosk", "There are no points to exchange yet"), 24), (how_text(), 20), (url, 18)]
    qr = 240
    height = 24 + sum(size * 4 + 16 for _, size in lines) + qr
    image = QImage(WIDTH, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QColor("black"))
    y = 12
    for text, size in lines:
        font = QFont(style.cjk_family())
        font.setPixelSize(size)
        painter.setFont(font)
        rect = painter.boundingRect(8, y, WIDTH - 16, 1000, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, text)
        y += rect.height() + 16
    QSvgRenderer(QByteArray(qr_svg(url))).render(painter, QRectF((WIDTH - qr) / 2, y, qr, qr))
    painter.end()
    return image.copy(0, 0, WIDTH, min(height, y + qr + 12))


def _pil(image: QImage):
    import io

    from PIL import Image

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stub says bytes; PySide6 takes only str here
    return Image.open(io.BytesIO(data.data()))


class EscPosPrinter:
    def __init__(self, target: str):
        self.target = target

    def _device(self):
        from escpos import printer  # optional dependency: python-escpos

        kind, _, rest = self.target.partition(":")
        if kind == "net":
            host, _, port = rest.partition(":")
            return printer.Network(host, int(port or 9100))
        if kind == "usb":
            vid, _, pid = rest.partition(":")
            return printer.Usb(int(vid, 16), int(pid, 16))
        if kind == "file":
            return printer.File(rest)
        raise ValueError(f"unknown printer target {self.target!r}")

    def print_receipt(self, receipt, language: str = "ja", reissued: bool = False) -> bool:
        return self.print_image(render_receipt(receipt, reissued))

    def print_guide(self, url: str) -> bool:
        return self.print_image(render_guide(url))

    def print_image(self, image: QImage) -> bool:
        """Print a rendered receipt or slip; False when the printer failed (said on screen)."""
        try:
            device = self._device()
            device.image(_pil(image))
            device.cut()
            device.close()
            return True
        except Exception as exc:  # noqa: BLE001 - the receipt is on screen anyway
            log.warning("receipt printer %s: %s", self.target, exc)
            return False

    def reachable(self, timeout_s: float = 1.0) -> bool:
        """Whether the printer answers now (a TCP connect, the device file, the USB device):
        the clerk screen shows an unreachable printer before a citizen needs it."""
        import os
        import socket

        kind, _, rest = self.target.partition(":")
        try:
            if kind == "net":
                host, _, port = rest.partition(":")
                with socket.create_connection((host, int(port or 9100)), timeout=timeout_s):
                    return True
            if kind == "file":
                return os.path.exists(rest) and os.access(rest, os.W_OK)
            self._device().close()
            return True
        except Exception as exc:  # noqa: BLE001 - unreachable, whatever the reason
            log.info("receipt printer %s unreachable: %s", self.target, exc)
            return False


def printer_from(target: str | None):
    """An EscPosPrinter for a configured target, or None (receipts on screen only)."""
    if not target:
        return None
    try:
        import escpos  # noqa: F401
    except ImportError:
        log.warning("receipt printer %s configured but python-escpos is not installed", target)
        return None
    return EscPosPrinter(target)
