"""pcscd for the demo and the tests: use the running one, or start `pcscd --foreground`.

On a machine without systemd (CI, containers) nothing starts pcscd; the demo and the test
harness start it themselves and stop only what they started.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk_demo.children import child_options

VPCD_PORT = 35963


class PcscdError(RuntimeError):
    pass


def running() -> bool:
    return subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0


def vpcd_listening(port: int = VPCD_PORT) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start(log_path: Path) -> subprocess.Popen:
    exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not Path(exe).exists():
        raise PcscdError(
            "pcscd is not installed: `make demo` / `make test` install it (Debian packages pcscd and vsmartcard-vpcd)"
        )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    options = child_options()  # a pcscd we started ends with us, even when we are killed
    return subprocess.Popen([exe, "--foreground"], stdout=subprocess.DEVNULL, stderr=log_path.open("ab"), **options)


def wait_vpcd(proc: subprocess.Popen | None = None, timeout: float = 10.0, port: int = VPCD_PORT) -> None:
    deadline = time.monotonic() + timeout
    while not vpcd_listening(port):
        if proc is not None and proc.poll() is not None:
            raise PcscdError(f"pcscd exited with status {proc.returncode} (run as root, or start the pcscd service)")
        if time.monotonic() > deadline:
            raise PcscdError(
                "pcscd runs but the vpcd reader does not listen on 35963: "
                "is vsmartcard-vpcd installed (/etc/reader.conf.d/vpcd)?"
            )
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def ensure_running(log_path: Path, say: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """pcscd with the vpcd reader for the block: the running one, or one started here and
    stopped again on the way out."""
    started = None
    if not running():
        say("pcscd を起動します / starting pcscd")
        started = start(log_path)
    try:
        wait_vpcd(started)
        yield
    finally:
        if started is not None:
            stop(started)
