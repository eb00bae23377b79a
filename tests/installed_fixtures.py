"""Fixtures of the installed-product tests: the wheels built once per session, and new
venvs outside the source tree holding them (production: on the locked dependencies)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "kiosk.lock"


def sh(*cmd, cwd=None, env=None, timeout=900) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd}: {proc.stderr[-3000:]}"
    return proc


def clean_env(home: Path) -> dict[str, str]:
    """No trace of the checkout: not on PYTHONPATH, not the working directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "KIOSK_CONFIG")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, ROOT, ROOT / "demo", cwd=out)
    return out


def wheel(wheels: Path, name: str) -> Path:
    (found,) = wheels.glob(f"{name}-*.whl")
    return found


def new_venv(where: Path) -> Path:
    sh(sys.executable, "-m", "venv", where)
    return where / "bin"


@pytest.fixture(scope="session")
def production(tmp_path_factory, wheels) -> Path:
    """The kiosk as the Linux installer puts it: locked dependencies with hashes, then the wheel."""
    bin_dir = new_venv(tmp_path_factory.mktemp("prod") / "venv")
    sh(bin_dir / "pip", "install", "-q", "--require-hashes", "-r", LOCK)
    sh(bin_dir / "pip", "install", "-q", "--no-deps", "--no-index", wheel(wheels, "kiosk"))
    return bin_dir


@pytest.fixture(scope="session")
def demo_install(tmp_path_factory, wheels) -> Path:
    bin_dir = new_venv(tmp_path_factory.mktemp("demo") / "venv")
    sh(bin_dir / "pip", "install", "-q", "--find-links", wheels, wheel(wheels, "kiosk"), wheel(wheels, "kiosk_demo"))
    return bin_dir
