"""The Qt binding and the platform plugin the screens need.

A missing xcb library does not raise: Qt aborts the process (SIGABRT) when the window
opens. The plugin's link dependencies are read with ldd, so the check works over SSH
without a display, and names the Debian packages to install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk import qt_binding
from kiosk.diagnostics.base import CheckResult, Environment

NAMES = ("qt_binding", "qt_platform")
# shared object -> Debian package (the libraries the xcb plugin of Qt 6 links to)
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxkbcommon.so.0": "libxkbcommon0",
}
ALL_XCB_PACKAGES = " ".join(sorted(set(XCB_PACKAGES.values())))


def run(env: Environment) -> list[CheckResult]:
    return [binding(), platform_plugin()]


def binding() -> CheckResult:
    bad = qt_binding.problem()
    if bad:
        return CheckResult("qt_binding", False, f"使えない Qt / unusable Qt binding: {bad}", qt_binding.ADVICE)
    version = qt_binding.installed("PySide6-Essentials") or qt_binding.installed("PySide6") or "?"
    return CheckResult("qt_binding", True, f"PySide6 {version}")


def missing_libraries(plugin: Path) -> list[str]:
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
    return sorted({m.group(1) for m in re.finditer(r"^\s*(\S+) => not found", out, re.M)})


def xcb_plugin() -> Path | None:
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    found = sorted((plugins / "platforms").glob("libqxcb*.so*"))
    return found[0] if found else None


def platform_plugin() -> CheckResult:
    if sys.platform != "linux":
        return CheckResult("qt_platform", True, "Qt の画面部品は同梱 / the platform plugin ships with the kiosk")
    try:
        plugin = xcb_plugin()
    except ImportError as exc:
        return CheckResult(
            "qt_platform", False, f"PySide6 を読めません / PySide6 does not load: {exc}", qt_binding.ADVICE
        )
    if plugin is None:
        return CheckResult(
            "qt_platform",
            False,
            "xcb プラグインがありません / the Qt xcb platform plugin is missing",
            "pip install --force-reinstall PySide6-Essentials",
        )
    try:
        missing = missing_libraries(plugin)
    except (OSError, subprocess.SubprocessError) as exc:
        return CheckResult(
            "qt_platform", False, f"ldd が失敗 / ldd failed: {exc}", f"sudo apt-get install {ALL_XCB_PACKAGES}"
        )
    if missing:
        packages = " ".join(sorted({XCB_PACKAGES.get(lib, lib) for lib in missing}))
        return CheckResult(
            "qt_platform",
            False,
            f"画面を開けません（ライブラリ不足） / the window cannot open, missing: {', '.join(missing)}",
            f"sudo apt-get install {packages}",
        )
    return CheckResult("qt_platform", True, f"Qt xcb プラグイン OK / Qt xcb platform plugin loads ({plugin.name})")
