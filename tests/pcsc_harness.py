"""A running pcscd with the vpcd reader for the tests that need one.

If pcscd already runs, it is used and left alone. Otherwise the session starts
`pcscd --foreground` itself and stops it at the end, unless another test session
(another shell, another developer) is still using it. Each vpcd slot is taken with an
flock so that concurrent test sessions on one machine never share a reader.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LOCK_DIR = Path(os.environ.get("KIOSK_TEST_LOCK_DIR", "/tmp"))
VPCD_BASE_PORT = 35963
VPCD_SLOTS = 2


@dataclass
class VpcdSlot:
    index: int
    port: int
    reader: str


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pcscd_running() -> bool:
    return subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0


class PcscdService:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self._users = open(LOCK_DIR / "kiosk-pcscd-users.lock", "w")

    def start(self) -> None:
        fcntl.flock(self._users, fcntl.LOCK_SH)
        if _pcscd_running():
            self._wait_for_vpcd()
            return
        exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not Path(exe).exists():
            raise RuntimeError("pcscd is not installed: run `make test` (it installs pcscd and vsmartcard-vpcd)")
        self.proc = subprocess.Popen([exe, "--foreground"], stdout=subprocess.DEVNULL,
                                     stderr=open(LOCK_DIR / "kiosk-test-pcscd.log", "w"))
        self._wait_for_vpcd()

    def _wait_for_vpcd(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not _port_open(VPCD_BASE_PORT):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited with {self.proc.returncode}; see {LOCK_DIR}/kiosk-test-pcscd.log")
            if time.monotonic() > deadline:
                raise RuntimeError("pcscd runs but the vpcd reader does not listen on 35963: "
                                   "is vsmartcard-vpcd installed (/etc/reader.conf.d/vpcd)?")
            time.sleep(0.05)

    def stop(self) -> None:
        fcntl.flock(self._users, fcntl.LOCK_UN)
        if self.proc is not None:
            try:
                fcntl.flock(self._users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another session still uses the pcscd we started; leave it
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            fcntl.flock(self._users, fcntl.LOCK_UN)
        self._users.close()


class SlotLease:
    """Exclusive use of one vpcd slot for a whole test session."""

    def __init__(self) -> None:
        self._fh = None
        self.slot: VpcdSlot | None = None

    def acquire(self) -> VpcdSlot:
        handles = [open(LOCK_DIR / f"kiosk-vpcd-slot{i}.lock", "w") for i in range(VPCD_SLOTS)]
        for i, fh in enumerate(handles):
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            self._fh = fh
            break
        else:
            i, self._fh = 0, handles[0]
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
