"""What ships with the kiosk besides code: translations, pictures, the interface document.

This folder is built into the package `kiosk.resources` (pyproject.toml maps it), so the
wheel, the installer and the frozen build carry it. Read it only through `file()`
(importlib.resources), never by path arithmetic from a module's location.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def file(*parts: str) -> Traversable:
    """The shipped file at `parts` (e.g. file("i18n", "kiosk_ja.qm"))."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node
