"""The installed product, not the checkout: the wheels are built, installed into new venvs
outside the source tree, and the installed `kiosk` is started.

- production venv: the kiosk wheel on the locked dependencies (as installer/linux/install.sh
  does); nothing of the demo in it; translations and the interface document inside.
- demo venv: the same wheel plus the kiosk-demo wheel; one exchange over the real pcscd
  against the installed simulator.

Slow (two venvs; PySide6 comes from pip's cache after the first set-up), still run by CI.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from kiosk import __version__
from tests.cloud_fixtures import free_port
from tests.doctor_helpers import write_config
from tests.installed_fixtures import ROOT, clean_env, sh, wheel

pytestmark = [pytest.mark.slow, pytest.mark.installed, pytest.mark.timeout(1200)]
DEMO_ONLY = ("fastapi", "uvicorn", "pynacl", "starlette", "kiosk_demo", "kiosk-demo")


def test_the_wheel_holds_the_kiosk_and_its_resources_and_nothing_of_the_demo(wheels):
    names = zipfile.ZipFile(wheel(wheels, "kiosk")).namelist()
    assert "kiosk/resources/i18n/kiosk_ja.qm" in names and "kiosk/resources/openapi.json" in names
    assert "kiosk/resources/images/reader-breka.svg" in names and "kiosk/resources/images/reader-mynumber.svg" in names
    assert not [n for n in names if n.startswith(("kiosk/sim", "kiosk/bench", "kiosk_demo", "tests/"))]
    assert not [n for n in names if "demo" in n.split("/")[-1] or "jpki_ca" in n], names
    source_packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "kiosk").rglob("*.py")}
    assert {p for p in source_packages if "__pycache__" not in p} <= {str(Path(n).parent) for n in names}
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel(wheels, "kiosk")).read(meta).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    for dist in ("fastapi", "uvicorn", "pynacl"):  # only under the demo extra
        assert all('extra == "demo"' in line for line in requires if dist in line.lower()), requires


def test_the_production_venv_has_no_demo_parts(production):
    installed = sh(production / "pip", "list", "--format", "json").stdout.lower()
    assert not [d for d in DEMO_ONLY if f'"{d}"' in installed], installed
    pins = sh(production / "pip", "list", "--format", "freeze").stdout
    assert "PySide6" in pins or "pyside6" in pins.lower()


def test_installed_kiosk_version_help_and_absent_demo_verbs(production, tmp_path):
    env = clean_env(tmp_path)
    assert sh(production / "kiosk", "--version", cwd=tmp_path, env=env).stdout.strip() == f"kiosk {__version__}"
    help_text = sh(production / "kiosk", "--help", cwd=tmp_path, env=env).stdout
    commands = help_text.split("options:")[0]
    for verb in ("run", "doctor", "outbox", "report"):
        assert f"    {verb} " in commands
    for verb in ("demo", "cloud-sim", "bench"):
        assert f"\n    {verb} " not in commands, help_text
    assert "pip install ./demo" in help_text  # said once, how to get them
    proc = subprocess.run([production / "kiosk", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "pip install ./demo" in proc.stderr and "Traceback" not in proc.stderr


def test_installed_doctor_json_names_every_check(production, tmp_path):
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}", timeout_s=1)
    proc = subprocess.run(
        [production / "kiosk", "--config", cfg, "doctor", "--json"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # nothing is set up here
    by = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert {"secrets", "staff_pins", "cloud_reachable", "qt_binding", "qt_platform", "font_ja"} <= set(by)
    assert by["qt_binding"]["ok"] and not by["secrets"]["ok"] and not by["cloud_reachable"]["ok"]


def test_installed_kiosk_run_on_a_bare_machine_shows_out_of_service_in_japanese(production, tmp_path):
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}", timeout_s=1)
    proc = subprocess.run(
        [production / "kiosk", "--config", cfg, "run", "--smoke-test"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown["screen"] == "out_of_service"
    assert {"secrets", "staff_pins", "cloud_reachable"} <= set(shown["problems"])
    assert "休止中" in " ".join(shown["texts"])  # the Japanese comes from the shipped .qm


@pytest.mark.pcsc
def test_one_exchange_through_the_installed_kiosk_and_simulator(demo_install, tmp_path, pcscd):
    env = clean_env(tmp_path)
    proc = subprocess.run(
        [demo_install / "kiosk", "demo", "--headless", "--json", "--state", tmp_path / "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    one = json.loads(proc.stdout)
    assert (one["points_used"], one["fee"], one["loaded"]) == (500, 45, 455)
    assert (one["cloud_usable_before"], one["cloud_usable_after"]) == (10_000, 9_500)
    assert one["record_id"]
    where = sh(
        demo_install / "python",
        "-c",
        "import kiosk, kiosk_demo; print(kiosk.__file__, kiosk_demo.__file__)",
        cwd=tmp_path,
        env=env,
    ).stdout
    assert str(ROOT) not in where and "site-packages" in where
