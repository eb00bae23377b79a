"""A Japanese font, without which the screens show empty boxes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.diagnostics.base import CheckResult, Environment

FONT_HINT_LINUX = (
    "日本語フォントを入れる: sudo apt-get install fonts-ipafont-gothic（または fonts-noto-cjk） / "
    "install a Japanese font: sudo apt-get install fonts-ipafont-gothic (or fonts-noto-cjk)"
)
FONT_HINT_WINDOWS = (
    "設定 → 時刻と言語 → 言語 → 日本語の補助フォントを追加 / Settings → Time & language → "
    "Language → add the Japanese supplemental fonts"
)
WINDOWS_FONTS = ("meiryo.ttc", "msgothic.ttc", "YuGothR.ttc", "YuGothM.ttc")
NAMES = ("font_ja",)
TIMEOUT_HINT = FONT_HINT_WINDOWS if sys.platform == "win32" else FONT_HINT_LINUX


def run(env: Environment) -> list[CheckResult]:
    if sys.platform == "win32":
        fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        found = [f for f in WINDOWS_FONTS if (fonts / f).exists()]
        if found:
            return [CheckResult("font_ja", True, f"日本語フォント / Japanese font: {found[0]}")]
        return [CheckResult("font_ja", False, "日本語フォントなし / no Japanese font", FONT_HINT_WINDOWS)]
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return [
            CheckResult(
                "font_ja",
                False,
                "fc-list がありません / fontconfig (fc-list) is missing",
                "sudo apt-get install fontconfig " + FONT_HINT_LINUX,
            )
        ]
    try:
        out = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [CheckResult("font_ja", False, f"fc-list が失敗 / fc-list failed: {exc}", FONT_HINT_LINUX)]
    families = sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})
    if not families:
        return [
            CheckResult(
                "font_ja", False, "日本語フォントなし / no Japanese font (fc-list :lang=ja is empty)", FONT_HINT_LINUX
            )
        ]
    return [CheckResult("font_ja", True, f"日本語フォント / Japanese font: {', '.join(families[:3])}")]
