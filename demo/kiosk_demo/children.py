"""Child processes of the demo (the cloud simulator, pcscd) end with it.

A Qt abort, a SIGKILL or a closed terminal never runs the parent's clean-up, so each side
watches: on Linux the kernel sends the child SIGTERM when the parent dies
(PR_SET_PDEATHSIG, set between fork and exec), and a child of ours also watches its parent
id (KIOSK_PARENT_PID) and stops itself when it was re-parented, which covers a parent
thread that forked and then ended, and platforms without prctl.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PARENT_ENV = "KIOSK_PARENT_PID"
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec: no locks, no Python threads
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def child_options() -> dict:
    """Keyword arguments for subprocess.Popen that tie the child's life to ours."""
    options: dict = {"env": {**os.environ, PARENT_ENV: str(os.getpid())}}
    if sys.platform == "linux":
        options["preexec_fn"] = _die_with_parent
    return options


def watch_parent(stop: Callable[[], None] | None = None, interval: float = 0.5) -> threading.Thread | None:
    """In a child started with child_options(): call `stop` (default: SIGTERM to ourselves,
    which servers handle as a clean shutdown) once the parent that started us is gone."""
    expected = os.environ.get(PARENT_ENV)
    if not expected or not expected.isdigit():
        return None
    parent = int(expected)

    def loop() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        (stop or (lambda: os.kill(os.getpid(), signal.SIGTERM)))()

    thread = threading.Thread(target=loop, name="parent-watch", daemon=True)
    thread.start()
    return thread
