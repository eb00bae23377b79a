"""Work-around for a reference-count bug in PySide6 6.12: `Signal.emit()` called from
Python returns `True` without taking a reference, so every emit takes one reference off
the interpreter's `True` until Python aborts ("bool_dealloc: deallocating True or False"),
after a few thousand emits (measured here: 6.12.0, CPython 3.11).

`emit(signal, *args)` gives the reference back when (and only when) the bug is present,
as measured once at import. Every Python-side emit in kiosk.ui goes through it, and no
Python `emit` is connected as a slot (signals are connected to signals instead).
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _emit_steals_a_reference(rounds: int = 64) -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    results = [probe.ping.emit() for _ in range(rounds)]
    lost = before - sys.getrefcount(True) + len([r for r in results if r is True])
    for r in results:  # give back what the probe itself took
        if lost >= rounds // 2:
            _incref(r)
    del results
    return lost >= rounds // 2


STEALS = _emit_steals_a_reference()


def emit(signal, *args) -> None:
    result = signal.emit(*args)
    if STEALS and result is not None:
        _incref(result)


def _slot_calls_leak_none(rounds: int = 64) -> bool:
    """PySide6 6.12 also drops one reference to `None` each time Qt calls a Python slot
    (a click, a timer tick): a kiosk that runs all day would abort ("none_dealloc")."""
    from PySide6.QtCore import QCoreApplication, QTimer

    if QCoreApplication.instance() is None:
        return False
    timer = QTimer()
    timer.setInterval(0)
    calls = []
    timer.timeout.connect(lambda: calls.append(1))
    before = sys.getrefcount(None)
    timer.start()
    for _ in range(rounds * 4):
        if len(calls) >= rounds:
            break
        QCoreApplication.processEvents()
    timer.stop()
    return before - sys.getrefcount(None) >= len(calls) // 2 > 0


def protect_singletons() -> bool:
    """The reserve for None/True/False is applied when `kiosk` is imported (kiosk.refcounts);
    True when this PySide6 build has the leak that makes it necessary on CPython < 3.12."""
    import sys

    return sys.version_info < (3, 12) and (STEALS or _slot_calls_leak_none())
