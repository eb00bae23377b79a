"""The outbox uploader: unsent settlement records to the cloud, in seq order, in batches.

Each batch (up to 1,000 records, gzip) carries an Idempotency-Key derived from the
terminal and its first and last record ids, so a batch re-sent after a lost answer
gets the first answer back, and a record sent again in another batch comes back as a
duplicate, never as a second settlement. The cloud's answer is stored with
`Outbox.mark`; nothing is ever deleted. A refused record is parked and the next ones
still go; a chain refusal (the cloud misses a predecessor) stops the pass and counts an
attempt, up to outbox.MAX_ATTEMPTS. The cloud's chain head in each answer is compared
with the kiosk's records; a disagreement stops uploading (the outbox alarm) because
records would otherwise be settled on a chain the kiosk cannot vouch for. When the cloud cannot be reached the uploader
backs off exponentially with full jitter (random in [0, min(cap, base·2ⁿ)]) and tries
again. `run(stop)` is the background loop (a thread or a service); `notify()` wakes it
when a new record has been appended.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.sync.cloud_errors import CloudError, CloudUnavailable
from kiosk.sync.outbox import Outbox, Unsent

if TYPE_CHECKING:
    from kiosk.sync.cloud import CloudClient, PreparedBody

log = logging.getLogger(__name__)

MAX_BATCH = 1000
# accepted, duplicates, parked (id, code), retry (id, code)
Marks = tuple[list[str], list[str], list[tuple[str, str]], list[tuple[str, str]]]
CHAIN_REFUSALS = ("seq_gap", "seq_reused", "chain_broken")  # the record may go once its predecessor has
KEY_NAMESPACE = uuid.UUID("6f1d3c52-1b7e-4a7e-9a55-0c6b5e0b7a11")  # settlement batch keys


def batch_key(terminal_id: str, record_ids: list[str]) -> str:
    """The Idempotency-Key (a UUID) of a batch: the same records always give the same key."""
    return str(uuid.uuid5(KEY_NAMESPACE, f"{terminal_id}|{record_ids[0]}|{record_ids[-1]}"))


class Backoff:
    """Exponential backoff with full jitter and a bounded delay."""

    def __init__(self, base_s: float = 1.0, max_s: float = 300.0, rand: Callable[[], float] = random.random):
        self.base_s, self.max_s, self.rand = base_s, max_s, rand
        self.failures = 0

    def next_delay(self) -> float:
        ceiling: float = min(self.max_s, self.base_s * (2 ** min(self.failures, 62)))
        self.failures += 1
        return self.rand() * ceiling

    def reset(self) -> None:
        self.failures = 0


@dataclass
class UploadSummary:
    batches: int = 0  # batches the cloud answered
    sent: int = 0  # records in those batches
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (record_id, code)
    failures: int = 0  # attempts that got no usable answer
    remaining: int = 0  # records still unsent afterwards
    parked: int = 0  # records the cloud refused, all told (not only this pass's)
    error: str | None = None  # why the pass stopped early, if it did
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.remaining == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "sent": self.sent,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"record_id": r, "code": c} for r, c in self.rejected],
            "failures": self.failures,
            "remaining": self.remaining,
            "parked": self.parked,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        client: CloudClient,
        *,
        batch_size: int = MAX_BATCH,
        compress: bool = True,
        attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 300.0,
        idle_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        self.outbox, self.client = outbox, client
        self.batch_size, self.compress, self.attempts = batch_size, compress, max(1, attempts)
        self.backoff = Backoff(base_delay_s, max_delay_s, rand)
        self.idle_s = idle_s
        self._sleep, self._clock = sleep, clock
        self._wake = threading.Event()

    def notify(self) -> None:
        """New records exist: wake `run` from its idle wait."""
        self._wake.set()

    def upload_once(self, attempts: int | None = None) -> UploadSummary:
        """Send every unsent record now; retry a failed batch up to `attempts` times with backoff.

        One batch is with the cloud at a time, so the cloud sees them in seq order; while
        it is, this thread stores the previous batch's answer and reads the next batch,
        so the kiosk's own work overlaps the cloud's."""
        attempts = self.attempts if attempts is None else max(1, attempts)
        summary, started, tries = UploadSummary(), self._clock(), 0
        self.backoff.reset()
        answered: Marks | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="outbox-send") as sender:
            batch, following = self._prepare(self.outbox.unsent_json(self.batch_size)), None
            while batch:
                ids, body, last_seq = batch
                sent = sender.submit(self.client.upload_batch, body, batch_key(self.outbox.terminal_id, ids))
                if answered:
                    self.outbox.mark(*answered)
                    answered = None
                if following is None:
                    following = self._prepare(self.outbox.unsent_json(self.batch_size, after_seq=last_seq))
                try:
                    answer = sent.result()
                except CloudUnavailable as exc:
                    summary.failures += 1
                    self.outbox.note_failure(ids, f"{exc.code}: {exc}")
                    tries += 1
                    if tries >= attempts:
                        summary.error = f"{exc.code}: {exc}"
                        break
                    delay = self.backoff.next_delay()
                    log.warning("settlement upload failed (%s); retry in %.2fs", exc, delay)
                    self._sleep(delay)
                    continue
                except CloudError as exc:  # a refusal: retrying the same batch now will not help
                    summary.failures += 1
                    summary.error = f"{exc.code}: {exc}"
                    self.outbox.note_failure(ids, summary.error)
                    break
                self.backoff.reset()
                tries = 0
                answered = self._tally(ids, answer, summary)
                if answered is None:
                    break
                problem = self.outbox.check_cloud_head(answer.get("head"))
                if problem:
                    summary.error = f"head_mismatch: {problem}"
                    log.error("settlement upload stopped: %s", problem)
                    break
                if answered[3]:
                    rid, code = answered[3][0]
                    summary.error = f"{code}: the cloud refused record {rid}; retried on the next pass"
                    break
                batch, following = following, None
        if answered:
            self.outbox.mark(*answered)
        status = self.outbox.status()
        summary.remaining, summary.parked = status.unsent, status.parked
        summary.seconds = self._clock() - started
        return summary

    def _prepare(self, unsent: list[Unsent]) -> tuple[list[str], PreparedBody, int] | None:
        """Record ids, the encoded body and the last seq of a batch; None when there is none."""
        if not unsent:
            return None
        return (
            [u.record_id for u in unsent],
            self.client.prepare_batch([u.json for u in unsent], compress=self.compress),
            unsent[-1].seq,
        )

    def _tally(self, ids: list[str], answer: dict[str, Any], summary: UploadSummary) -> Marks | None:
        """What to mark for the records the cloud answered for; None when it named none of them."""
        ours = set(ids)
        if not isinstance(answer, dict):
            summary.error = "unexpected_response: the cloud's answer is not a JSON object"
            return None
        accepted = [rid for rid in _list(answer, "accepted") if isinstance(rid, str) and rid in ours]
        duplicates = [rid for rid in _list(answer, "duplicates") if isinstance(rid, str) and rid in ours]
        refused = [
            (str(r["record_id"]), str(r["code"]))
            for r in _list(answer, "rejected")
            if isinstance(r, dict) and r.get("record_id") in ours
        ]
        rejected = [(rid, code) for rid, code in refused if code not in CHAIN_REFUSALS]
        retry = [(rid, code) for rid, code in refused if code in CHAIN_REFUSALS]
        summary.batches += 1
        summary.sent += len(ids)
        summary.accepted += len(accepted)
        summary.duplicates += len(duplicates)
        summary.rejected += rejected
        for rid, code in rejected:
            log.error("settlement record %s rejected by the cloud: %s", rid, code)
        if not (accepted or duplicates or refused):
            summary.error = "unexpected_response: the cloud's answer names none of the records sent"
            return None
        return accepted, duplicates, rejected, retry

    def run(self, stop: threading.Event) -> None:
        """Upload until `stop` is set: at once when notified, every `idle_s` otherwise,
        and after a failure when the (growing, jittered) backoff delay has passed."""
        failures = Backoff(self.backoff.base_s, self.backoff.max_s, self.backoff.rand)
        while not stop.is_set():
            self._wake.clear()
            try:
                summary = self.upload_once(attempts=1)
            except Exception:  # the loop must outlive a bug or a locked database; log and back off
                log.exception("settlement uploader pass failed")
                summary = UploadSummary(error="internal")
            if summary.error:
                self._wait(stop, failures.next_delay(), wakeable=False)
            else:
                failures.reset()
                self._wait(stop, self.idle_s, wakeable=True)

    def _wait(self, stop: threading.Event, seconds: float, wakeable: bool) -> None:
        deadline = self._clock() + seconds
        while not stop.is_set() and not (wakeable and self._wake.is_set()):
            left = deadline - self._clock()
            if left <= 0:
                return
            (self._wake if wakeable else stop).wait(min(left, 0.1))


def _list(answer: dict[str, Any], name: str) -> list[Any]:
    value = answer.get(name, [])
    return value if isinstance(value, list) else []
