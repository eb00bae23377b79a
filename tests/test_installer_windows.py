"""The PyInstaller build of installer/windows/kiosk.spec, produced and started on Linux.

The build runs in a venv holding the installed kiosk wheel on the locked dependencies (the
spec freezes what an office installs, never the checkout). Slow (a few minutes on the
2-core machines), still run by CI (`make test`). The same spec builds the Windows program
folder that installer/windows/kiosk.iss packs.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from kiosk import __version__
from tests.cloud_fixtures import free_port
from tests.doctor_helpers import CHECK_NAMES, write_config
from tests.installed_fixtures import clean_env, sh

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "windows" / "kiosk.spec"
EXPECTED = CHECK_NAMES


@pytest.fixture(scope="module")
def build(tmp_path_factory, production):
    out = tmp_path_factory.mktemp("pyinstaller")
    sh(production / "pip", "install", "-q", "pyinstaller>=6,<7")
    started = time.monotonic()
    proc = subprocess.run(
        [
            production / "python",
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            out / "dist",
            "--workpath",
            out / "work",
            SPEC,
        ],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(out),
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(f"\nPyInstaller build: {took:.0f} s")
    return out / "dist" / "kiosk", took


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_kiosk_starts_and_reports_its_version(build):
    folder, took = build
    assert took < 600, f"the build took {took:.0f} s"
    proc = subprocess.run([str(folder / "kiosk"), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"kiosk {__version__}", proc.stderr
    assert (folder / "kiosk-gui").is_file()  # the console-less twin for the full-screen counter
    assert not list(folder.rglob("fastapi")) and not list(folder.rglob("libQt6Quick*"))  # left out
    assert list(folder.rglob("QtWidgets*")) and list(folder.rglob("libqxcb*"))  # the screens can start
    proc = subprocess.run([str(folder / "kiosk"), "run", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--fullscreen" in proc.stdout, proc.stderr
    assert list(folder.rglob("kiosk_ja.qm")) and not list(folder.rglob("kiosk_demo*"))


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_help_lists_only_verbs_it_has(build, tmp_path):
    folder, _ = build
    proc = subprocess.run(
        [str(folder / "kiosk"), "--help"], capture_output=True, text=True, timeout=60, env=clean_env(tmp_path)
    )
    commands = proc.stdout.split("options:")[0]
    assert "    run " in commands and "    doctor " in commands
    for verb in ("demo", "cloud-sim", "bench", "cards"):
        assert f"\n    {verb} " not in commands, proc.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_kiosk_shows_its_first_screen_offscreen(build, tmp_path):
    folder, _ = build
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}", timeout_s=1)
    proc = subprocess.run(
        [str(folder / "kiosk"), "--config", str(cfg), "run", "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=clean_env(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown["screen"] == "out_of_service" and "休止中" in " ".join(shown["texts"])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_doctor_prints_valid_json_with_every_check(build, tmp_path):
    folder, _ = build
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}", timeout_s=2)
    proc = subprocess.run(
        [str(folder / "kiosk"), "--config", str(cfg), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=clean_env(tmp_path),
    )
    assert proc.returncode in (0, 1), proc.stderr
    checks = json.loads(proc.stdout)["checks"]
    assert [c["name"] for c in checks] == EXPECTED
    by = {c["name"]: c for c in checks}
    assert not by["cloud_reachable"]["ok"]  # nothing listens there: the frozen requests stack reports it
    assert "PC/SC library missing" not in by["pcsc_service"]["detail"]  # pyscard was bundled
    assert proc.returncode == 1
