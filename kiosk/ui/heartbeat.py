"""A heartbeat on the GUI thread: the longest gap between two ticks is the longest stall.

A QTimer fires every `interval_ms`; any tick later than that by more than a frame means
the GUI thread was busy (or blocked). `max_stall_ms` is what the benchmark reports.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class Heartbeat(QObject):
    def __init__(self, interval_ms: int = 15, parent=None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self.max_gap_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self._last, self.max_gap_ms, self.ticks = None, 0.0, 0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.max_gap_ms = max(self.max_gap_ms, (now - self._last) * 1000)
        self._last = now
        self.ticks += 1

    @property
    def max_stall_ms(self) -> float:
        """How much longer than the interval the longest gap was."""
        return max(0.0, self.max_gap_ms - self.interval_ms)
