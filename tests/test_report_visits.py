"""`kiosk report monthly` gains fee, loaded and visit counts, and works without the cloud
(marked not reconciled) — the real CLI over the simulator and the kiosk's SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from kiosk.cli import main
from kiosk.rules import JST
from kiosk.store import visits
from tests.test_claim import _config, _pdf_text
from tests.test_report import history  # noqa: F401


def _visits(store):
    for outcome, month, n in (("completed", "2017-12", 2), ("pin_locked", "2017-12", 1), ("no_mykey_id", "2018-01", 3)):
        for _ in range(n):
            visits.record_visit(store, outcome, datetime.fromisoformat(f"{month}-15T12:00:00").replace(tzinfo=JST))


def test_monthly_json_csv_pdf_carry_fee_loaded_and_visits(history, tmp_path, capsys):  # noqa: F811
    _visits(history.store)
    cfg = _config(history, tmp_path)
    out = tmp_path / "m.json"
    args = ["--config", cfg, "report", "monthly", "--from", "2017-12", "--to", "2018-01"]
    assert main(args + ["--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    dec, jan = data["months"]
    assert (dec["fee_points"], dec["loaded_points"]) == (318, 3182)
    assert dec["visits"]["completed"] == 2 and dec["visits"]["pin_locked"] == 1 and jan["visits"]["no_mykey_id"] == 3
    assert data["totals"]["visits"]["completed"] == 2 and data["totals"]["fee_points"] == 318 + 181
    assert data["reconciled"] is True
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (
        rows[0]["visits_completed"] == "2" and rows[1]["visits_no_mykey_id"] == "3" and rows[2]["fee_points"] == "499"
    )
    pdf = tmp_path / "m.pdf"
    assert main(args + ["--format", "pdf", "--out", str(pdf)]) == 0
    text = _pdf_text(pdf)
    assert "来訪の結果" in text and "マイキーIDなし" in text and "暗証番号ロック" in text


def test_monthly_without_the_cloud_is_marked_not_reconciled(history, tmp_path, capsys):  # noqa: F811
    cfg = _config(history, tmp_path, url="http://127.0.0.1:9")
    out = tmp_path / "m.json"
    args = ["--config", cfg, "report", "monthly", "--from", "2017-12", "--to", "2017-12"]
    assert main(args + ["--format", "json", "--out", str(out)]) == 0
    assert "未照合" in capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    month = data["months"][0]
    assert data["reconciled"] is False and data["mismatches"] == []
    assert month["used_points"] == 3500 and month["issued_points"] is None and month["cloud_used_points"] is None
    pdf = tmp_path / "m.pdf"
    assert main(args + ["--format", "pdf", "--out", str(pdf)]) == 0
    assert "未照合" in _pdf_text(pdf)
