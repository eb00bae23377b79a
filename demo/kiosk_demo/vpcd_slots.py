"""Leases on the vpcd reader slots, so that demos, benchmarks and test sessions running on
one machine at once never put their virtual cards into the same reader.

A lease is an flock on /tmp/kiosk-vpcd-slot<N>.lock (the directory can be moved with
$KIOSK_VPCD_LOCK_DIR): a free slot is taken at once, else the first slot is waited for.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

VPCD_BASE_PORT = 35963
VPCD_SLOTS = 2  # the Debian vsmartcard-vpcd configuration opens two slots


def lock_dir() -> Path:
    return Path(os.environ.get("KIOSK_VPCD_LOCK_DIR", "/tmp"))


@dataclass(frozen=True)
class VpcdSlot:
    index: int
    port: int
    reader: str


class SlotLease:
    def __init__(self) -> None:
        self._fh: TextIO | None = None
        self.slot: VpcdSlot | None = None

    def acquire(self, on_wait=None) -> VpcdSlot:
        """A free slot at once, else wait for the first one (`on_wait()` is told first)."""
        handles = [open(lock_dir() / f"kiosk-vpcd-slot{i}.lock", "w") for i in range(VPCD_SLOTS)]
        for i, fh in enumerate(handles):  # noqa: B007 - i is the slot taken, used after the loop
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            self._fh = fh
            break
        else:
            i, self._fh = 0, handles[0]
            if on_wait is not None:
                on_wait()
            fcntl.flock(self._fh, fcntl.LOCK_EX)  # all busy: wait for the first
        for other in handles:
            if other is not self._fh:
                other.close()
        self.slot = VpcdSlot(i, VPCD_BASE_PORT + i, f"Virtual PCD 00 {i:02d}")
        return self.slot

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> VpcdSlot:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
