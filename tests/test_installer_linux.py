"""installer/linux/install.sh: the dry run lists everything and touches nothing; the real
install into a temporary root writes exactly those files; the uninstall takes them away.
apt, useradd and systemctl are replaced by recorders on PATH: the tests prove none runs."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.config import load

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "installer" / "linux" / "install.sh"
FILES = [
    "/etc/polkit-1/rules.d/60-kiosk-pcsc.rules",
    "/etc/polkit-1/localauthority/50-local.d/60-kiosk-pcsc.pkla",
    "/usr/local/bin/kiosk",
    "/usr/share/applications/kiosk.desktop",
    "/home/{u}/.config/autostart/kiosk.desktop",
    "/home/{u}/.config/kiosk/config.toml",
    "/etc/systemd/user/kiosk-outbox.service",
    "/etc/systemd/user/kiosk-outbox.timer",
]
SYSTEM_TOOLS = ("apt-get", "useradd", "systemctl", "python3", "chown", "loginctl")


@pytest.fixture
def recorders(tmp_path):
    """Stand-ins for the tools that change a system; each call is written to calls.log."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    for tool in SYSTEM_TOOLS:
        path = bin_dir / tool
        path.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls.log"\n')
        path.chmod(0o755)
    return bin_dir, tmp_path / "calls.log"


def run(*args, recorders=None, check=True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if recorders:
        env["PATH"] = f"{recorders[0]}:{env['PATH']}"
    proc = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def listed(out: str, kind: str) -> list[str]:
    return [m.group(1) for m in re.finditer(rf"^{kind}\s+(\S+)", out, re.M)]


def test_dry_run_lists_every_package_and_file_and_touches_nothing(tmp_path, recorders):
    target = tmp_path / "never-created"
    out = run("--dry-run", "--root", str(target), recorders=recorders).stdout
    assert {"pcscd", "libccid", "fonts-ipafont-gothic", "python3-venv"} <= set(listed(out, "PACKAGE"))
    files = listed(out, "FILE")
    assert files == [f"{target}{f.format(u='kiosk')}" for f in FILES]
    assert f"{target}/opt/kiosk" in listed(out, "DIR")
    assert listed(out, "LINK") == [f"{target}/home/kiosk/.config/systemd/user/timers.target.wants/kiosk-outbox.timer"]
    runs = "\n".join(line for line in out.splitlines() if line.startswith("RUN"))
    for command in (
        "apt-get install",
        "systemctl enable --now pcscd.socket",
        "useradd",
        "python3 -m venv",
        "/opt/kiosk/venv/bin/pip install",
    ):
        assert command in runs
    assert not target.exists() and not recorders[1].exists()


def test_dry_run_without_root_needs_no_privileges(recorders):
    proc = run("--dry-run", recorders=recorders)
    assert "FILE    /etc/polkit-1/rules.d/60-kiosk-pcsc.rules" in proc.stdout and not recorders[1].exists()


def test_install_into_a_root_writes_the_listed_files_and_runs_no_system_tool(tmp_path, recorders):
    root = tmp_path / "root"
    out = run(
        "--root",
        str(root),
        "--user",
        "counter",
        "--cloud-url",
        "https://points.example.jp",
        "--terminal-id",
        "kawasaki-st-02",
        recorders=recorders,
    ).stdout
    assert not recorders[1].exists(), recorders[1].read_text()
    assert all(line.startswith(("SKIP", "PACKAGE", "DIR", "FILE", "LINK", "DONE", " ")) for line in out.splitlines()), (
        out
    )
    for f in FILES:
        assert (root / f.format(u="counter").lstrip("/")).is_file(), f
    rules = (root / "etc/polkit-1/rules.d/60-kiosk-pcsc.rules").read_text()
    assert 'subject.user == "counter"' in rules
    assert "org.debian.pcsc-lite.access_pcsc" in rules and "org.debian.pcsc-lite.access_card" in rules
    assert (
        "Identity=unix-user:counter" in (root / "etc/polkit-1/localauthority/50-local.d/60-kiosk-pcsc.pkla").read_text()
    )
    autostart = (root / "home/counter/.config/autostart/kiosk.desktop").read_text()
    assert (
        "Exec=/opt/kiosk/venv/bin/kiosk run --fullscreen" in autostart and "X-GNOME-Autostart-enabled=true" in autostart
    )
    assert "Exec=/opt/kiosk/venv/bin/kiosk run\n" in (root / "usr/share/applications/kiosk.desktop").read_text()
    service = (root / "etc/systemd/user/kiosk-outbox.service").read_text()
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk outbox flush" in service
    assert "OnUnitActiveSec=5min" in (root / "etc/systemd/user/kiosk-outbox.timer").read_text()
    link = root / "home/counter/.config/systemd/user/timers.target.wants/kiosk-outbox.timer"
    assert os.readlink(link) == "/etc/systemd/user/kiosk-outbox.timer"
    assert (root / "usr/local/bin/kiosk").stat().st_mode & stat.S_IXUSR
    cfg = load(root / "home/counter/.config/kiosk/config.toml")  # the kiosk accepts what was written
    assert cfg.get("ui", "fullscreen") is True and cfg.get("cloud", "url") == "https://points.example.jp"
    assert cfg.get("cloud", "terminal_id") == "kawasaki-st-02"


def test_uninstall_removes_the_files_but_keeps_config_and_data(tmp_path, recorders):
    root = tmp_path / "root"
    run("--root", str(root), recorders=recorders)
    data = root / "home/kiosk/.local/share/kiosk/kiosk.sqlite3"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"records")
    out = run("--root", str(root), "--uninstall", recorders=recorders).stdout
    for f in (f for f in FILES if not f.endswith("config.toml")):
        assert not (root / f.format(u="kiosk").lstrip("/")).exists(), f
    assert not (root / "opt/kiosk").exists()
    assert (root / "home/kiosk/.config/kiosk/config.toml").exists() and data.read_bytes() == b"records"
    assert "KEEP" in out


def test_a_prepared_config_is_installed_and_bad_input_is_refused(tmp_path, recorders):
    prepared = tmp_path / "street.toml"
    prepared.write_text('[reader]\nname = "ACS ACR1252"\n[ui]\nfullscreen = true\n')
    root = tmp_path / "root"
    run("--root", str(root), "--config", str(prepared), recorders=recorders)
    assert (root / "home/kiosk/.config/kiosk/config.toml").read_text() == prepared.read_text()
    for args in (["--user", "Bad User"], ["--config", str(tmp_path / "missing.toml")], ["--frobnicate"]):
        proc = run("--dry-run", *args, recorders=recorders, check=False)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
