"""The Japanese translation file is complete and current: every source string of kiosk/ui
has a Japanese translation with the same placeholders, the .ts matches the sources
(pyside6-lupdate would change nothing) and the committed .qm is what lrelease makes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "i18n" / "kiosk_ja.ts"
QM = ROOT / "resources" / "i18n" / "kiosk_ja.qm"
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")


def lupdate_args(ts: Path) -> list[str]:
    sources = sorted(str(p) for p in (ROOT / "kiosk" / "ui").glob("*.py"))
    return [str(BIN / "pyside6-lupdate"), "-locations", "none", "-no-obsolete", *sources, "-ts", str(ts)]


def test_every_source_string_has_a_japanese_translation_with_the_same_placeholders():
    messages = list(ET.parse(TS).iter("message"))
    assert len(messages) > 100
    for msg in messages:
        source, tr = msg.find("source").text, msg.find("translation")
        assert tr.get("type") is None, f"{source!r}: {tr.get('type')}"
        assert tr.text and tr.text.strip(), f"no Japanese for {source!r}"
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(tr.text)), source
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", tr.text) or source in ("OK",), tr.text


def test_the_ts_file_is_up_to_date_with_the_sources(tmp_path):
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    subprocess.run(lupdate_args(copy), check=True, capture_output=True, cwd=ROOT)
    assert copy.read_text(encoding="utf-8") == TS.read_text(encoding="utf-8"), (
        "run: pyside6-lupdate -locations none -no-obsolete kiosk/ui/*.py -ts resources/i18n/kiosk_ja.ts"
    )


def test_the_qm_file_is_compiled_from_the_ts(tmp_path):
    out = tmp_path / QM.name
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == QM.read_bytes(), "run: pyside6-lrelease resources/i18n/kiosk_ja.ts"
