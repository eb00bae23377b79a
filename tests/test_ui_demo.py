"""`kiosk demo --headless --shots DIR` walks the whole flow through the real window
offscreen (real pcscd, virtual cards, simulator) and saves a PNG of every screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[1]
SCREENS = [
    "wait-mynumber",
    "breka-first",
    "pin",
    "pin-wrong",
    "amount",
    "confirm",
    "tap-breka",
    "tap-breka-wrong-card",
    "loading",
    "done",
    "amount-reserved",
    "reserved-confirm",
    "idle-warning",
    "done-reserved",
    "pin-last-try",
    "locked",
    "error-cloud",
    "staff-pin",
    "clerk",
    "technician",
    "claim",
    "today",
    "closing-slip",
    "mykey-consent",
    "amount-first-time",
    "mykey-declined",
    "no-points",
]


def test_headless_shots_walk_every_screen(tmp_path, pcscd):
    shots = tmp_path / "shots"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "demo",
            "--headless",
            "--shots",
            str(shots),
            "--state",
            str(tmp_path / "state"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "ブレカ残高 0 → 455" in out.stdout and "Breka balance 0 → 455" in out.stdout
    assert "reserved points added: 3,000" in out.stdout
    saved = sorted(p.stem for p in shots.glob("*.png"))
    assert saved == sorted(SCREENS), saved
    assert all((shots / f"{name}.png").stat().st_size > 10_000 for name in SCREENS)
