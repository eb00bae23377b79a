"""A running pcscd with the vpcd reader for the tests that need one.

If pcscd already runs, it is used and left alone. Otherwise the session starts
`pcscd --foreground` itself and stops it at the end, unless another test session
(another shell, another developer) is still using it. Each vpcd slot is taken with an
flock so that concurrent test sessions on one machine never share a reader.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from kiosk_demo import pcscd
from kiosk_demo.vpcd_slots import SlotLease, VpcdSlot  # noqa: F401 (re-exported for the fixtures)

LOCK_DIR = Path(os.environ.get("KIOSK_VPCD_LOCK_DIR", "/tmp"))


class PcscdService:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self._users = open(LOCK_DIR / "kiosk-pcscd-users.lock", "w")

    def start(self) -> None:
        fcntl.flock(self._users, fcntl.LOCK_SH)
        if not pcscd.running():
            self.proc = pcscd.start(LOCK_DIR / "kiosk-test-pcscd.log")
        pcscd.wait_vpcd(self.proc)

    def stop(self) -> None:
        fcntl.flock(self._users, fcntl.LOCK_UN)
        if self.proc is not None:
            try:
                fcntl.flock(self._users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another session still uses the pcscd we started; leave it
            pcscd.stop(self.proc)
            fcntl.flock(self._users, fcntl.LOCK_UN)
        self._users.close()
