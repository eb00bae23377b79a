"""Printing a claim PDF on the office's A4 printer through CUPS (`lp`), when `claim.printer`
names one: "lp" is the default queue, "lp:QUEUE" a given one. The receipt printer (ESC/POS,
kiosk/ui/receipt_printer.py) prints receipts only; it cannot print an A4 claim."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

LP_TIMEOUT_S = 30


class PrintError(RuntimeError):
    pass


def print_pdf(path: Path, printer: str) -> str:
    """Send the PDF to the printer; returns what `lp` said (the job id). Raises PrintError."""
    if not printer:
        raise PrintError("A4 プリンタが設定されていません（claim.printer） / no A4 printer configured (claim.printer)")
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("lp（CUPS）がありません / the lp command (CUPS) is not installed")
    args = [lp] + (["-d", printer[3:]] if printer.startswith("lp:") else []) + ["--", str(path)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=LP_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(f"印刷できません / cannot print: {exc}") from exc
    if done.returncode != 0:
        raise PrintError(f"印刷できません / cannot print: {(done.stderr or done.stdout).strip()[:200]}")
    return done.stdout.strip()
