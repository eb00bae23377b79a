"""The demo's children end with it: a cloud simulator started by a process that is killed
(SIGKILL: no clean-up runs) or terminated goes too, so no `kiosk cloud-sim` is left behind
holding its port and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

PARENT = """
import sys, time
from pathlib import Path
from kiosk_demo.demo_env import CloudProcess
cloud = CloudProcess(Path(sys.argv[1]), [Path(sys.argv[2])])
cloud.wait_ready()
print(cloud.proc.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie has ended; only its parent has not reaped it
        return fh.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_simulator_ends_with_the_process_that_started_it(tmp_path, cloud_ca, how):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "cloud.sqlite3"), str(cloud_ca.directory)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(how)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), f"kiosk cloud-sim {child} outlived its parent ({how.name})"
    finally:
        parent.kill()
