"""The QR code of the MyKey Platform's public page (config `mykey.guide_url`), as SVG bytes
made by segno (pure Python); shown with QSvgWidget and drawn onto the guide slip."""

from __future__ import annotations

import io


def qr_svg(url: str) -> bytes:
    """A black-on-white QR code of `url` (already checked by kiosk.config: https only)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, dark="#000", light="#fff")
    return out.getvalue()
