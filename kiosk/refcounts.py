"""A reserve of references for None, True and False on CPython < 3.12.

Two native libraries the kiosk relies on lose references to these singletons: pyscard
2.3.1 touches `None`'s reference count without holding the GIL while another thread runs
(measured: the count drifts down by a few every 80,000 calls), and PySide6 6.12 drops one
reference to `True` per Python `emit()` and one to `None` per slot call. A kiosk that runs
all day would reach zero and abort ("none_dealloc"). From Python 3.12 these objects are
immortal and nothing is needed; before that, each gets 2**40 extra references at start-up,
which no day of service can use up. Moving to Python >= 3.12 removes this module's reason.
"""
from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_done = False


def protect_singletons() -> bool:
    """Give None/True/False their reserve once per process; True when it was applied now."""
    global _done
    if sys.version_info >= (3, 12) or _done or sys.implementation.name != "cpython":
        return False
    _done = True
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    return True
