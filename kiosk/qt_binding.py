"""Which Qt binding builds are known to break the kiosk, checked once at start and by doctor.

PySide6-Essentials 6.12.0 on CPython < 3.12 drops a reference to True on every Python
`emit()` and to None on every slot call; a day at the counter ends in an interpreter abort
("bool_dealloc"). The dependency pins exclude it; this check catches a venv that was
assembled by hand or upgraded past the pins. Imports nothing from Qt itself, so it can run
before Qt is loaded.
"""

from __future__ import annotations

import sys
from importlib import metadata

# (distribution, version, applies to this interpreter?, why)
KNOWN_BAD: tuple[tuple[str, str, bool, str], ...] = (
    (
        "PySide6-Essentials",
        "6.12.0",
        sys.version_info < (3, 12),
        "loses a reference to True/None per signal, aborts after hours of use on Python < 3.12",
    ),
    ("shiboken6", "6.12.0", sys.version_info < (3, 12), "the 6.12.0 runtime of the same defect"),
)
ADVICE = "pip install 'PySide6-Essentials!=6.12.0' (6.11.3, or 6.12.0 with Python 3.12 or newer)"


def installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def problem() -> str | None:
    """One line naming the bad binding and what to install instead, or None when fine."""
    for dist, version, applies, why in KNOWN_BAD:
        if applies and installed(dist) == version:
            py = f"{sys.version_info.major}.{sys.version_info.minor}"
            return f"{dist} {version} on Python {py}: {why}; {ADVICE}"
    return None
