"""GUI figures: cold start to the first screen, and the longest GUI-thread stall during a
full exchange driven through the window (offscreen), over the real stack.

The virtual cards are put on the reader by a helper thread, as a citizen's hand would,
so the GUI thread does nothing but run its event loop, like at the counter.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from kiosk_demo.commands.demo_gui import Walk

_CHILD = """
import sys, time
from pathlib import Path
from kiosk import config as config_mod
from kiosk.app import build
from kiosk_demo.demo_keyring import use_demo_keyring
from kiosk.ui.app import Kiosk
root = Path(sys.argv[1])
use_demo_keyring(root / "demo-keyring.json")
cfg = config_mod.load(root / "config.toml")
kiosk = Kiosk(cfg, build(cfg))
kiosk.start(recover=False, on_first_screen=lambda: print("first-screen", flush=True))
print("ready", flush=True)  # the other screens built and painted behind the first
kiosk.stop()
"""


def cold_start(root: Path, rounds: int = 5) -> tuple[list[float], list[float]]:
    """Process start to the first screen shown, and to the counter ready (every screen built
    and painted once), in a fresh interpreter each time.

    An installed kiosk runs from compiled bytecode (pip compiles the wheel's modules at
    install), so the children keep theirs in a cache of their own even where the machine
    says PYTHONDONTWRITEBYTECODE; one unmeasured start fills it."""
    with tempfile.TemporaryDirectory() as cache:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.qpa.*=false",
            "PYTHONPYCACHEPREFIX": cache,
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _start(root, env)
        starts = [_start(root, env) for _ in range(rounds)]
    return [first for first, _ in starts], [ready for _, ready in starts]


def _start(root: Path, env: dict) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(root)], stdout=subprocess.PIPE, text=True, env=env)
    if proc.stdout is None:
        raise RuntimeError("the child's stdout is a pipe (stdout=PIPE)")
    first = proc.stdout.readline()
    first_ms = (time.perf_counter() - t) * 1000
    ready = proc.stdout.readline()
    ready_ms = (time.perf_counter() - t) * 1000
    proc.wait(30)
    if first.strip() != "first-screen" or ready.strip() != "ready":
        raise RuntimeError("the kiosk did not show its first screen")
    return first_ms, ready_ms


class _Driver(Walk):
    """The demo's walk-through (its waits for a screen), driving whole exchanges without screenshots."""

    def __init__(self, kiosk, counter):
        super().__init__(kiosk, shots=None, say=lambda _: None)
        self.counter = counter

    @contextmanager
    def card(self, card):
        inside, leave, box = threading.Event(), threading.Event(), {}

        def hold():
            try:
                with self.counter.card(card):
                    inside.set()
                    leave.wait(60)
            except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
                box["error"] = exc
                inside.set()

        thread = threading.Thread(target=hold, daemon=True)
        thread.start()
        self.until(inside.is_set)
        if "error" in box:
            raise box["error"]
        try:
            yield
        finally:
            leave.set()
            self.until(lambda: not thread.is_alive())

    def exchange(self, mynumber, breka, points: int = 100) -> float:
        p = self.win.pages
        self.page("wait")
        self.kiosk.heartbeat.reset()
        with self.card(mynumber):
            self.page("pin")
            for d in "1234":
                p["pin"].keypad.keys[d].click()
            p["pin"].ok.click()
            self.page("amount")
        for d in str(points):
            p["amount"].keypad.keys[d].click()
        p["amount"].next.click()
        self.page("confirm")
        p["confirm"].ok.click()
        self.page("tap_breka")
        with self.card(breka):
            self.page("done")
        stall = self.kiosk.heartbeat.max_stall_ms
        p["done"].ok.click()
        return stall


def run(quick: bool = False, profile=None) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # offscreen has no size hints; not news
    from kiosk.ui.app import Kiosk
    from kiosk_demo.counter import VirtualCounter
    from kiosk_demo.demo_run import running_demo

    rounds = 2 if quick else 8
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with running_demo(root, card_profile=profile) as demo:
            mynumber, breka = demo.mynumber("gui"), demo.breka("gui")
            demo.admin.issue(demo.admin.enrol(mynumber.state.der("auth_cert")), 100 * (rounds + 1))
            kiosk = Kiosk(demo.cfg, demo.parts, reader_name=demo.counter.reader)
            kiosk.window.resize(1280, 800)
            kiosk.start()
            driver = _Driver(kiosk, VirtualCounter(demo.counter.reader, demo.counter.port, profile=profile))
            try:
                driver.exchange(mynumber, breka)  # warm-up: first use of each screen
                stalls = [driver.exchange(mynumber, breka) for _ in range(rounds)]
            finally:
                kiosk.stop()
        starts, ready = cold_start(root, rounds=3 if quick else 7)
    return {
        "gui_stall_ms": round(statistics.median(stalls), 1),
        "gui_stall_max_ms": round(max(stalls), 1),
        "cold_start_ms": round(statistics.median(starts), 1),
        "cold_start_max_ms": round(max(starts), 1),
        "cold_start_ready_ms": round(statistics.median(ready), 1),
        "gui_rounds": rounds,
    }
