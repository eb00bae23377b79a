"""The holder-authentication challenge, fetched while the citizen types the PIN.

Fetching it before the PIN screen made the citizen wait one cloud round trip (and, with the
cloud down, its whole deadline) before they could type. It now runs on a thread of its own
from the moment the PIN screen is up; the signature after VERIFY takes it, or fetches a new
one when it failed or grew too old. The cloud client is shared with the background commits
already, so a second caller is nothing new for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.sync.cloud_errors import CloudError

if TYPE_CHECKING:
    from kiosk.sync.cloud import Challenge

log = logging.getLogger(__name__)


class PrefetchedChallenge:
    def __init__(self, fetch: Callable[[], Challenge]) -> None:
        self._done = threading.Event()
        self._fetched: tuple[Challenge, float] | None = None
        threading.Thread(target=self._run, args=(fetch,), name="challenge-prefetch", daemon=True).start()

    def _run(self, fetch: Callable[[], Challenge]) -> None:
        try:
            self._fetched = (fetch(), time.monotonic())
        except CloudError:
            pass  # fetched again after the PIN; a failure is shown then
        except Exception:  # noqa: BLE001 - the same: the call after the PIN raises it where it is handled
            log.exception("challenge prefetch failed")
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the fetch has ended (the client's deadline bounds it)."""
        return self._done.wait(timeout)

    def take(self, max_age_s: float) -> Challenge | None:
        """The fetched challenge if it came and is younger than `max_age_s`, else None."""
        self._done.wait()
        if self._fetched is None or time.monotonic() - self._fetched[1] >= max_age_s:
            return None
        return self._fetched[0]
