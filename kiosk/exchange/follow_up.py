"""Commit follow-up while the kiosk runs: exchanges waiting for the cloud are retried with a
backoff of their own, so a refused or unreachable commit finishes (and its settlement record is
queued) without a restart, and one exchange the cloud keeps refusing does not make every tick
call the cloud for all the others.

Retries go through `recovery.recover`, the same path as start-up recovery and
`kiosk exchanges recover`: this module only decides *when* each exchange is tried again. It
never touches an exchange that waits for its Breka card (only that card's log can settle it)
nor the one the counter is serving now (`skip`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.exchange.finish import Finisher
from kiosk.exchange.journal import ExchangeRow, Journal
from kiosk.exchange.recovery import RecoveryReport, recover
from kiosk.exchange.reversal import CLOUD_DUE, Reversals

BASE_S = 30.0  # the first retry after a failure
MAX_S = 900.0  # never longer than this between two tries of one exchange


def backoff(failures: int, base: float = BASE_S, cap: float = MAX_S) -> float:
    """Seconds before the next try after `failures` failed ones in a row: 30, 60, 120 … 900."""
    return 0.0 if failures <= 0 else min(cap, base * 2 ** (failures - 1))


@dataclass
class Pending:
    """An unfinished exchange as the clerk sees it: its row and when it is tried next."""

    row: ExchangeRow
    failures: int
    next_try_s: float  # seconds from now; 0 = at the next tick; -1 = never by itself (needs its card)


class FollowUp:
    def __init__(
        self,
        journal: Journal,
        finisher: Finisher,
        clock: Callable[[], float] = time.monotonic,
        base_s: float = BASE_S,
        max_s: float = MAX_S,
        reversals: Reversals | None = None,
    ) -> None:
        self.journal, self.finisher, self.clock = journal, finisher, clock
        self.reversals = reversals  # corrections whose cloud call is still due (same backoff)
        self.base_s, self.max_s = base_s, max_s
        self._lock = threading.Lock()  # the GUI reads the schedule while the worker runs
        self._failures: dict[str, int] = {}
        self._next: dict[str, float] = {}

    def due(self, skip: frozenset[str] | set[str] = frozenset()) -> set[str]:
        """Unfinished exchanges that need no card (and reversals whose cloud call is due) whose
        backoff has run out."""
        now = self.clock()
        with self._lock:
            ids = {
                r.exchange_id
                for r in self.journal.unfinished()
                if not r.needs_card and r.exchange_id not in skip and self._next.get(r.exchange_id, 0.0) <= now
            }
            return ids | {rid for rid in self._reversals_due() if self._next.get(rid, 0.0) <= now}

    def _reversals_due(self) -> list[str]:
        """Corrections whose cloud call is still due, and those that wrote nothing and have
        waited long enough to be ended (until then the clerk cannot start the correction
        again; before, only a restart's recovery ended them)."""
        rev = self.reversals
        if rev is None:
            return []
        return [r.reversal_id for r in rev.unfinished() if r.state in CLOUD_DUE or rev.stale(r)]

    def _retry_reversals(self, force: bool) -> None:
        if self.reversals is None:
            return
        now = self.clock()
        due = [rid for rid in self._reversals_due() if force or self._next.get(rid, 0.0) <= now]
        if not due:
            return
        outcome = self.reversals.recover(only=set(due))
        with self._lock:
            for rid in outcome["reversed"] + outcome["abandoned"]:
                self._failures.pop(rid, None)
                self._next.pop(rid, None)
            for rid in outcome["failed"]:
                n = self._failures.get(rid, 0) + 1
                self._failures[rid] = n
                self._next[rid] = now + backoff(n, self.base_s, self.max_s)

    def run(self, skip: frozenset[str] | set[str] = frozenset(), force: bool = False) -> RecoveryReport:
        """Retry what is due (or, with `force`, everything: the clerk's "send now"). Runs on the
        card worker; the cloud calls are idempotent under the exchange id."""
        self._retry_reversals(force)
        open_ids = {r.exchange_id for r in self.journal.unfinished() if not r.needs_card}
        only = (open_ids if force else self.due(skip) & open_ids) - set(skip)
        if not only:
            return RecoveryReport()
        report = recover(self.journal, self.finisher, skip=skip, only=only)
        now = self.clock()
        with self._lock:
            for exchange_id in report.committed + report.cancelled:
                self._failures.pop(exchange_id, None)
                self._next.pop(exchange_id, None)
            for exchange_id in report.failed:
                n = self._failures.get(exchange_id, 0) + 1
                self._failures[exchange_id] = n
                self._next[exchange_id] = now + backoff(n, self.base_s, self.max_s)
        return report

    def pending(self) -> list[Pending]:
        """Every unfinished exchange (oldest first), for the clerk's list."""
        now = self.clock()
        rows = self.journal.unfinished()
        with self._lock:
            return [
                Pending(
                    r,
                    self._failures.get(r.exchange_id, 0),
                    -1.0 if r.needs_card else max(0.0, self._next.get(r.exchange_id, 0.0) - now),
                )
                for r in rows
            ]
