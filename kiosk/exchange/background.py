"""Cloud commits off the citizen's path: the done screen comes right after the card load.

The card has the points once the journal says `loaded`; what remains (the cloud commit, then
the settlement record and `committed` in one transaction) changes nothing the citizen sees.
One daemon thread does it, in submission order. A commit without an answer stays where it
was (`loaded` or `commit_requested`, with its error noted) and the existing follow-up
(kiosk.exchange.recovery.recover, at start and while the counter is idle) sends it again;
a crash anywhere here is the same case. A commit the cloud refuses raises a clerk alert.
"""

from __future__ import annotations

import logging
import queue
import threading

from kiosk.exchange.finish import Finisher
from kiosk.exchange.journal import Journal
from kiosk.exchange.recovery import alert_commit_refused, is_refusal
from kiosk.sync.cloud_errors import CloudError

log = logging.getLogger(__name__)
_STOP = object()


class BackgroundCommits:
    def __init__(self, journal: Journal, finisher: Finisher) -> None:
        self.journal, self.finisher = journal, finisher
        self._jobs: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._open = 0  # submitted and not yet finished (wait_idle)
        self._idle = threading.Condition(self._lock)

    def submit(self, exchange_id: str) -> None:
        """Commit this loaded exchange soon; returns at once."""
        with self._lock:
            self._open += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="background-commit", daemon=True)
                self._thread.start()
        self._jobs.put(exchange_id)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Until every submitted commit has been tried (tests, benchmarks, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._open == 0, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Let the commit in flight finish (bounded by the client's deadlines), then end."""
        self.wait_idle(timeout)
        with self._lock:
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._jobs.put(_STOP)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            try:
                self._commit(str(job))
            finally:
                with self._idle:
                    self._open -= 1
                    self._idle.notify_all()

    def _commit(self, exchange_id: str) -> None:
        try:
            self.finisher.commit(self.journal.get(exchange_id))
        except CloudError as exc:
            log.warning("commit of %s postponed: %s", exchange_id, exc.code)
            self.journal.note_error(exchange_id, exc.code)
            if is_refusal(exc):
                alert_commit_refused(self.journal, exchange_id, exc.code)
        except Exception:  # noqa: BLE001 - the thread must outlive one bad commit; recovery retries
            log.exception("background commit of %s failed", exchange_id)
