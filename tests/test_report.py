"""The monthly claim: a small known history in the real simulator, the kiosk's own records,
hand-checked figures in csv / json / pdf, and the months where kiosk and cloud disagree."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import uuid

import pytest

from kiosk.cli import main
from kiosk.rules import quote
from kiosk.store.visits import OUTCOMES as VISIT_OUTCOMES
from kiosk.sync.report import MonthError, build, collect, jst_month, local_records, months_between, to_csv
from tests.cloud_fixtures import login
from tests.test_outbox_cli import install_secrets, write_config
from tests.test_uploader import KioskWorld

TITLE = "実証実験ポイント 月次精算報告"


@pytest.fixture
def history(sim, tmp_path):
    """Hand-checked history (validity: issue day D, usable to the end of D + 100):
    a: 3000 on 2017-11-20 (expires 2018-03-01), 1000 on 2017-12-01 (expires 2018-03-12)
    b: 2000 on 2017-11-30 23:59:59 (expires 2018-03-11);  c: 200 on 2017-12-15 (expires 2018-03-26)
    a uses 3500 on 2017-12-20 (Nov lot 3000 + Dec lot 500); b uses 2000 on 2018-01-10;
    a uses 300 committed by the cloud at 2018-01-31 23:59:59 JST but recorded by the kiosk
    at 2018-02-01 00:00:01 (clock skew): January and February disagree.
    Left to lapse in March: a 200, c 200."""
    event = sim.event(issue_from="2017-11-20T00:00:00+09:00", issue_until="2018-12-01T00:00:00+09:00")
    world = KioskWorld(sim, tmp_path / "kiosk.sqlite3", event=event)
    a = world.holder(3000, at="2017-11-20T10:00:00+09:00")
    b = world.holder(2000, at="2017-11-30T23:59:59+09:00")
    sim.issue(a.mykey_id, event, 1000, at="2017-12-01T00:00:00+09:00")
    world.holder(200, at="2017-12-15T12:00:00+09:00")
    world.exchange(a, 3500, occurred_at="2017-12-20T10:00:00+09:00")
    world.exchange(b, 2000, occurred_at="2018-01-10T10:00:00+09:00")
    sim.clock(now="2018-01-31T23:59:59+09:00")
    xid, q = str(uuid.uuid4()), quote(300)
    world.client.hold(login(world.client, a), xid, event, 300)
    world.client.commit(xid, card_ref="ref-a", load_id=xid, loaded=q.loaded, fee=q.fee, balance_after=q.loaded)
    world.record(xid, a.mykey_id, 300, "ref-a", occurred_at="2018-02-01T00:00:01+09:00")
    sim.clock(now="2018-07-01T00:00:00+09:00")
    yield world
    world.close()


def _month(report_dict, month):
    return next(m for m in report_dict["months"] if m["month"] == month)


def test_monthly_rows_totals_and_mismatches(history):
    report = collect(
        history.client, local_records(history.store), "2017-11", "2018-06", history.event, history.term.terminal_id
    ).as_dict()
    assert [m["month"] for m in report["months"]] == [
        "2017-11",
        "2017-12",
        "2018-01",
        "2018-02",
        "2018-03",
        "2018-04",
        "2018-05",
        "2018-06",
    ]
    pick = (
        "issued_count",
        "issued_points",
        "issued_holders",
        "used_count",
        "used_points",
        "used_holders",
        "expired_count",
        "expired_points",
        "expired_holders",
    )
    expected = {
        "2017-11": (2, 5000, 2, 0, 0, 0, 0, 0, 0),
        "2017-12": (2, 1200, 2, 1, 3500, 1, 0, 0, 0),
        "2018-01": (0, 0, 0, 1, 2000, 1, 0, 0, 0),
        "2018-02": (0, 0, 0, 1, 300, 1, 0, 0, 0),
        "2018-03": (0, 0, 0, 0, 0, 0, 2, 400, 2),
        "2018-06": (0, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    for month, figures in expected.items():
        assert tuple(_month(report, month)[k] for k in pick) == figures, month
    jan, feb = _month(report, "2018-01"), _month(report, "2018-02")
    assert (jan["cloud_used_count"], jan["cloud_used_points"], jan["cloud_used_holders"]) == (2, 2300, 2)
    assert (feb["cloud_used_count"], feb["cloud_used_points"]) == (0, 0)
    assert _month(report, "2017-12")["claim_points"] == 3500  # points used, not the 3,182 loaded
    assert [m["month"] for m in report["months"] if m["mismatch"]] == ["2018-01", "2018-02"]
    assert report["mismatches"] == [
        {
            "month": "2018-01",
            "fields": ["count", "points", "holders"],
            "kiosk": {"count": 1, "points": 2000, "holders": 1},
            "cloud": {"count": 2, "points": 2300, "holders": 2},
        },
        {
            "month": "2018-02",
            "fields": ["count", "points", "holders"],
            "kiosk": {"count": 1, "points": 300, "holders": 1},
            "cloud": {"count": 0, "points": 0, "holders": 0},
        },
    ]
    t = report["totals"]
    assert (t["issued_count"], t["issued_points"], t["issued_holders"]) == (4, 6200, 3)
    assert (t["used_count"], t["used_points"], t["used_holders"]) == (3, 5800, 2)
    assert (t["expired_count"], t["expired_points"], t["expired_holders"]) == (2, 400, 2)
    assert (t["cloud_used_count"], t["cloud_used_points"], t["claim_points"]) == (3, 5800, 5800)
    assert t["issued_points"] == t["used_points"] + t["expired_points"]  # nothing left outstanding


def _cli(history, tmp_path, *args):
    install_secrets(history.device_key, history.term.secret)
    cfg = write_config(
        tmp_path / "config.toml", history.store.path, history.sim.url, history.term.terminal_id, history.event
    )
    return main(["--config", str(cfg), "report", "monthly", *args])


def test_cli_csv_and_json(history, tmp_path, capsys):
    assert _cli(history, tmp_path, "--from", "2017-11", "--to", "2018-03") == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [r["month"] for r in rows] == ["2017-11", "2017-12", "2018-01", "2018-02", "2018-03", "total"]
    assert rows[2]["used_points"] == "2000" and rows[2]["cloud_used_points"] == "2300" and rows[2]["mismatch"] == "yes"
    assert rows[1]["mismatch"] == "" and rows[4]["expired_points"] == "400"
    assert (rows[-1]["issued_points"], rows[-1]["used_points"], rows[-1]["used_holders"]) == ("6200", "5800", "2")
    assert "2018-01, 2018-02" in captured.err and captured.err.startswith("注意")

    out = tmp_path / "claim.json"
    assert _cli(history, tmp_path, "--from", "2017-12", "--to", "2017-12", "--format", "json", "--out", str(out)) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["months"] == [
        {
            "month": "2017-12",
            "issued_count": 2,
            "issued_points": 1200,
            "issued_holders": 2,
            "used_count": 1,
            "used_points": 3500,
            "used_holders": 1,
            "expired_count": 0,
            "expired_points": 0,
            "expired_holders": 0,
            "cloud_used_count": 1,
            "cloud_used_points": 3500,
            "cloud_used_holders": 1,
            "claim_points": 3500,
            "fee_points": 318,
            "loaded_points": 3182,
            "mismatch": False,
            "visits": {o: 0 for o in VISIT_OUTCOMES},
        }
    ]
    assert data["reconciled"] is True and data["terminal_id"] == history.term.terminal_id
    assert data["mismatches"] == [] and data["totals"]["used_holders"] == 1 and data["event_id"] == history.event


@pytest.mark.parametrize("first,last", [("2018-13", "2018-14"), ("2018-5", "2018-06"), ("2018-05", "2018-04")])
def test_cli_bad_months_exit_2_with_one_bilingual_line(history, tmp_path, capsys, first, last):
    assert _cli(history, tmp_path, "--from", first, "--to", last) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and " / " in err and ("YYYY-MM" in err or "after" in err)


def test_pdf_is_a_japanese_a4_claim(history, tmp_path, capsys):
    pdf = tmp_path / "claim.pdf"
    assert _cli(history, tmp_path, "--from", "2017-11", "--to", "2018-06", "--format", "pdf", "--out", str(pdf)) == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"/FontFile2" in data  # the TrueType font is embedded
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: the text check needs it")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert TITLE in text and "表1 発行・利用" in text and "表2 失効" in text
    assert "5,800 円" in text and "2018-01 ※" in text and "不一致" in text
    assert "対数目盛" in text  # a log scale: small months are not flattened by a large one
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
        )
        assert (tmp_path / "page-1.png").stat().st_size > 10_000


def test_pdf_without_a_cjk_font_fails_clearly(tmp_path):
    from kiosk.sync.report_pdf import FontMissing, render

    report = build([], {"months": [], "totals": {}}, "2018-01", "2018-01")
    with pytest.raises(FontMissing, match="fonts-ipafont-gothic"):
        render(report, tmp_path / "x.pdf", font_candidates=(str(tmp_path / "none.ttf"),))


def test_months_and_jst_boundaries():
    assert months_between("2018-11", "2019-02") == ["2018-11", "2018-12", "2019-01", "2019-02"]
    assert jst_month("2018-01-31T15:00:00Z") == "2018-02" and jst_month("2018-01-31T14:59:59+00:00") == "2018-01"
    for bad in ("2018-00", "18-01", "2018-1", "", "2018-01-01"):
        with pytest.raises(MonthError):
            months_between(bad, "2019-01")
    records = [
        {
            "occurred_at": "2018-01-31T15:00:00Z",
            "mykey_id": "m",
            "points_used": 11,
            "fee": 1,
            "loaded": 10,
            "event_id": "e",
        },
        {
            "occurred_at": "2018-02-02T00:00:00+09:00",
            "mykey_id": "m",
            "points_used": 12,
            "fee": 1,
            "loaded": 11,
            "event_id": "other",
        },
    ]
    report = build(records, {"months": [], "totals": {}}, "2018-02", "2018-02", event_id="e")
    row = report.months[0]
    assert (row["used_count"], row["used_points"], report.totals["used_holders"]) == (1, 11, 1)
    assert "total,0,0,0,1,11,1" in to_csv(report)


def test_a_reversal_nets_its_exchange_in_every_total():
    """Records are summed in one place (record_amounts): a reversal's negative amounts net out,
    its count is -1, a record of the wrong sign or an unknown kind stops the report."""
    from kiosk.sync.report import record_amounts

    base = {"occurred_at": "2018-03-05T10:00:00+09:00", "event_id": "e"}
    records = [
        {**base, "mykey_id": "a", "points_used": 1100, "fee": 100, "loaded": 1000},
        {**base, "mykey_id": "b", "points_used": 550, "fee": 50, "loaded": 500},
        {**base, "mykey_id": "b", "kind": "reversal", "points_used": -550, "fee": -50, "loaded": -500},
    ]
    report = build(records, {"months": [], "totals": {}}, "2018-03", "2018-03", event_id="e")
    t = report.totals
    assert (t["used_count"], t["claim_points"], t["fee_points"], t["loaded_points"]) == (1, 1100, 100, 1000)
    assert t["used_holders"] == 1  # b's only exchange was reversed: b used nothing
    with pytest.raises(ValueError, match="wrong sign"):
        record_amounts({**records[2], "points_used": 550})
    with pytest.raises(ValueError, match="unknown kind"):
        record_amounts({**records[0], "kind": "gift"})
