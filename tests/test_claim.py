"""The claim (請求書) over the real stack: the simulator as an HTTP server, the kiosk's SQLite
store, the real CLI; files, register, reissue, offline (未照合), and the PDF's text."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import subprocess
import uuid
from datetime import date

import pytest

from kiosk.cli import main
from kiosk.rules import quote
from kiosk.store import Store
from kiosk.store.claims import ClaimRegisterError, entries, issue, mark
from kiosk.sync import claim as claim_mod
from kiosk.sync.claim import CSV_HEADERS
from kiosk.sync.claim_pdf import render
from kiosk.sync.report import build, collect, local_records
from kiosk_demo.demo_env import DEMO_CLAIMANT
from kiosk_demo.replay_scenario import EXCHANGES
from tests.cloud_fixtures import login
from tests.test_outbox_cli import install_secrets, write_config
from tests.test_report import history  # noqa: F401  (the hand-checked history fixture)
from tests.test_uploader import KioskWorld

CLAIM = """
[claim]
association = "モトスミ・ブレーメン通り商店街振興組合（テスト）"
representative = "理事長 見本 太郎"
address = "神奈川県川崎市中原区木月1-1-1"
addressee = "川崎市長"
bank_name = "見本銀行"
bank_branch = "元住吉支店"
account_type = "普通"
account_number = "1234567"
account_holder = "ミホンシヨウテンガイ"
number_prefix = "MB-"
folder = "{folder}"
"""


def _config(world, tmp_path, url=None, claim=True):
    install_secrets(world.device_key, world.term.secret)
    cfg = write_config(
        tmp_path / "config.toml", world.store.path, url or world.sim.url, world.term.terminal_id, world.event
    )
    if claim:
        with cfg.open("a", encoding="utf-8") as f:
            f.write(CLAIM.format(folder=tmp_path / "claims"))
    return str(cfg)


def _pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_claim_files_register_and_reissue(history, tmp_path, capsys):  # noqa: F811
    cfg = _config(history, tmp_path)
    args = ["--config", cfg, "report", "claim", "--from", "2017-11", "--to", "2018-03", "--clerk", "山田"]
    assert main(args + ["--format", "pdf,csv,json"]) == 0
    out = capsys.readouterr().out.splitlines()
    number = out[0].split()[1]
    assert number.startswith("MB-") and number.endswith("-0001") and "¥5,800" in out[0]
    pdf, csv_path = tmp_path / "claims" / f"claim-{number}-2017-11_2018-03.pdf", None
    csv_path = pdf.with_suffix(".csv")
    for path in (pdf, csv_path, pdf.with_suffix(".json")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADERS
    by_month = {r[1]: r for r in rows[1:]}
    assert by_month["2017-12"][2:8] == ["平成29年12月", "1", "3500", "318", "3182", "1"]
    assert by_month["2018-01"][9] == "不一致" and by_month["2017-12"][9] == "一致"
    assert by_month["合計"][3:7] == ["3", "5800", "526", "5274"]  # 5,800 = 526 + 5,274

    text = _pdf_text(pdf)
    for expected in (
        "請",
        number,
        "令和",
        "川崎市長",
        "モトスミ・ブレーメン通り商店街振興組合",
        "印",
        "¥5,800",
        "見本銀行 元住吉支店 普通 1234567",
        "平成29年12月",
        "手数料",
        "526",
        "5,274",
        "対数目盛",
    ):
        assert expected in text, expected
    assert "再発行" not in text and "未照合" not in text

    # The same period again keeps the number and is stamped 再発行.
    assert main(args) == 0
    again = capsys.readouterr().out.splitlines()[0]
    assert again.split()[1] == f"{number}（再発行）"
    assert "再発行（1回目）" in _pdf_text(pdf)
    # An overlapping period is refused: a month is never claimed twice.
    assert main([*args[:5], "2018-03", "--to", "2018-04", "--clerk", "山田"]) == 1
    assert "重なります" in capsys.readouterr().err

    assert main(["--config", cfg, "report", "claim-mark", number, "paid", "--clerk", "山田"]) == 1
    assert "送付されていません" in capsys.readouterr().err
    assert main(["--config", cfg, "report", "claim-mark", number, "sent", "--on", "2018-04-05", "--clerk", "山田"]) == 0
    assert main(["--config", cfg, "report", "claim-mark", number, "paid", "--on", "2018-04-30", "--clerk", "山田"]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "report", "claims"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[1].split("\t") == [
        number,
        "2017-11",
        "2018-03",
        "5800",
        "526",
        "5274",
        "yes",
        listed[1].split("\t")[7],
        "1",
        "2018-04-05",
        "2018-04-30",
    ]


def test_claim_without_the_cloud_is_marked_not_reconciled(history, tmp_path, capsys):  # noqa: F811
    cfg = _config(history, tmp_path, url="http://127.0.0.1:9")  # nothing listens there
    assert main(["--config", cfg, "report", "claim", "--from", "2017-12", "--to", "2017-12", "--clerk", "山田"]) == 0
    captured = capsys.readouterr()
    assert "未照合" in captured.err and "¥3,500" in captured.out
    number = captured.out.split()[1]
    pdf = tmp_path / "claims" / f"claim-{number}-2017-12_2017-12.pdf"
    text = _pdf_text(pdf)
    assert "未照合" in text and "¥3,500" in text
    rows = list(csv.reader(io.StringIO(pdf.with_suffix(".csv").read_bytes().decode("utf-8-sig"))))
    assert rows[1][8:] == ["", "未照合"]  # the cloud's figure is unknown, not zero
    # A draft cannot be sent; reissued with the cloud back, it keeps its number and can.
    assert main(["--config", cfg, "report", "claim-mark", number, "sent", "--clerk", "山田"]) == 1
    assert "未照合" in capsys.readouterr().err
    cfg = _config(history, tmp_path)
    assert main(["--config", cfg, "report", "claim", "--from", "2017-12", "--to", "2017-12", "--clerk", "山田"]) == 0
    assert capsys.readouterr().out.split()[1] == f"{number}（再発行）"
    assert main(["--config", cfg, "report", "claim-mark", number, "sent", "--clerk", "山田"]) == 0


def test_claim_without_its_config_names_the_missing_keys(history, tmp_path, capsys):  # noqa: F811
    cfg = _config(history, tmp_path, claim=False)
    assert main(["--config", cfg, "report", "claim", "--from", "2017-12", "--to", "2017-12", "--clerk", "x"]) == 1
    err = capsys.readouterr().err
    assert "claim.association" in err and "claim.account_number" in err
    assert entries(history.store) == []  # nothing registered


def test_claim_needs_a_clerk_name(history, tmp_path, capsys):  # noqa: F811
    cfg = _config(history, tmp_path)
    assert main(["--config", cfg, "report", "claim", "--from", "2017-12", "--to", "2017-12", "--clerk", " "]) == 2


def test_a_paid_claim_never_changes(tmp_path):
    store = Store(tmp_path / "k.sqlite3")
    e = issue(store, "2018-01", "2018-01", amount=100, fee=9, loaded=91, reconciled=True, prefix="X")
    mark(store, e.number, "sent", "2018-02-01")
    mark(store, e.number, "paid", "2018-02-20")
    same = issue(store, "2018-01", "2018-01", amount=100, fee=9, loaded=91, reconciled=True, prefix="X")
    assert same.number == e.number and same.reissues == 1
    with pytest.raises(ClaimRegisterError, match="支払済み"):
        issue(store, "2018-01", "2018-01", amount=90, fee=9, loaded=81, reconciled=True, prefix="X")
    with pytest.raises(ClaimRegisterError):
        mark(store, e.number, "sent", "2018-02-30")
    second = issue(store, "2018-02", "2018-03", amount=5, fee=0, loaded=5, reconciled=True, prefix="X")
    assert second.number.endswith("-0002")
    mark(store, second.number, "sent", "2018-04-01")
    same = issue(store, "2018-02", "2018-03", amount=5, fee=0, loaded=5, reconciled=True, prefix="X")
    assert same.sent_on == "2018-04-01"  # unchanged: still sent
    changed = issue(store, "2018-02", "2018-03", amount=4, fee=0, loaded=4, reconciled=True, prefix="X")
    assert changed.number == second.number and changed.sent_on is None and changed.reissues == 2
    store.close()


@pytest.fixture
def two_terminals(sim, tmp_path):
    """Two kiosks of one street, each exchanging in the same months."""
    event = sim.event(issue_from="2017-11-20T00:00:00+09:00", issue_until="2018-12-01T00:00:00+09:00")
    a = KioskWorld(sim, tmp_path / "a.sqlite3", event=event)
    b = KioskWorld(sim, tmp_path / "b.sqlite3", event=event)
    for world, points in ((a, 1100), (b, 2200)):
        h = world.holder(5000, at="2017-12-01T10:00:00+09:00")
        world.exchange(h, points, occurred_at="2017-12-10T10:00:00+09:00")
        world.exchange(h, points // 2, occurred_at="2018-01-10T10:00:00+09:00")
    sim.clock(now="2018-03-01T00:00:00+09:00")
    yield a, b
    a.close()
    b.close()


def test_two_terminals_reconcile_like_with_like(two_terminals, sim):
    a, b = two_terminals
    for world, points in ((a, 1100), (b, 2200)):
        rep = collect(
            world.client, local_records(world.store), "2017-12", "2018-01", world.event, world.term.terminal_id
        )
        assert rep.reconciled and rep.mismatches == [], world.term.terminal_id
        assert [m["cloud_used_points"] for m in rep.months] == [points, points // 2]
    # The whole event's figures (what the kiosk used to ask for) flag every month falsely.
    whole = a.client.monthly("2017-12", "2018-01", a.event)
    assert [m["used"]["points"] for m in whole["months"]] == [3300, 1650]
    # A real difference is flagged: a record the cloud never committed for this terminal.
    xid = str(uuid.uuid4())
    h = a.holder(500, at="2018-01-05T10:00:00+09:00")
    a.record(xid, h.mykey_id, 440, "ref-x", occurred_at="2018-01-20T10:00:00+09:00")
    rep = collect(a.client, local_records(a.store), "2017-12", "2018-01", a.event, a.term.terminal_id)
    assert [m["month"] for m in rep.mismatches] == ["2018-01"]
    assert rep.mismatches[0]["kiosk"]["points"] == 550 + 440 and rep.mismatches[0]["cloud"]["points"] == 550


def test_a_terminal_cannot_ask_for_another_terminals_figures(two_terminals):
    from kiosk.sync.cloud_errors import TerminalMismatch

    a, b = two_terminals
    with pytest.raises(TerminalMismatch):
        a.client.monthly("2017-12", "2018-01", a.event, terminal_id=b.term.terminal_id)


def test_commit_then_hold_login_helpers_still_work(sim, tmp_path):
    """The fixture's session helper (login) and quote stay as the report tests use them."""
    event = sim.event(issue_from="2017-11-20T00:00:00+09:00", issue_until="2018-12-01T00:00:00+09:00")
    world = KioskWorld(sim, tmp_path / "c.sqlite3", event=event)
    h = world.holder(300, at="2017-12-01T10:00:00+09:00")
    sim.clock(now="2017-12-02T10:00:00+09:00")
    xid, q = str(uuid.uuid4()), quote(300)
    world.client.hold(login(world.client, h), xid, event, 300)
    world.client.commit(xid, card_ref="r", load_id=xid, loaded=q.loaded, fee=q.fee, balance_after=q.loaded)
    got = world.client.monthly("2017-12", "2017-12", event, terminal_id=world.term.terminal_id)
    assert got["terminal_id"] == world.term.terminal_id and got["months"][0]["used"]["points"] == 300
    world.close()


def test_the_experiments_claim_is_435751_yen_and_every_small_month_shows(tmp_path):
    """The original experiment's 32 exchanges (the replay scenario) as settlement records:
    the claim for 2017-11..2019-03 is the report's 435,751 points; the log-scale chart
    labels the 500-point month next to the 373,150-point one."""
    store = Store(tmp_path / "k.sqlite3")
    records = []
    for e in EXCHANGES:
        q = quote(e.points)
        records.append(
            {
                "occurred_at": e.at.isoformat(),
                "mykey_id": e.holder,
                "event_id": "ev",
                "points_used": e.points,
                "fee": q.fee,
                "loaded": q.loaded,
            }
        )
    rep = build(records, None, "2017-11", "2019-03", event_id="ev", terminal_id="T")
    t = rep.totals
    assert (t["used_count"], t["used_holders"], t["claim_points"]) == (32, 19, 435_751)
    assert t["fee_points"] + t["loaded_points"] == 435_751
    e = issue(
        store,
        "2017-11",
        "2019-03",
        amount=435_751,
        fee=t["fee_points"],
        loaded=t["loaded_points"],
        reconciled=False,
        prefix="MB-",
    )
    c = claim_mod.Claim(e, claim_mod.Claimant.from_section(DEMO_CLAIMANT), rep, date(2026, 12, 1))
    pdf = tmp_path / "c.pdf"
    render(c, pdf)
    text = _pdf_text(pdf)
    assert "¥435,751" in text and "令和8年12月1日（2026年12月1日）" in text and "デモ" in text
    assert "平成30年8月" in text and "373,150" in text and "未照合" in text
    chart = text[text.index("対数目盛") :]
    for small in ("500", "1,000", "1,350", "373,150"):  # each month's bar carries its figure
        assert small in chart, small
    store.close()


@pytest.mark.parametrize(
    "line, key",
    [
        ('account_number = "12-3456"', "claim.account_number"),
        ('address = "一行目\\n二行目"', "claim.address"),
        ('number_prefix = "-MB"', "claim.number_prefix"),
        ('account_type = "savings"', "claim.account_type"),
        ('printer = "lpr"', "claim.printer"),
        ("association = 7", "claim.association"),
    ],
)
def test_a_corrupt_claim_setting_is_named_by_config_check(tmp_path, capsys, line, key):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[claim]\n{line}\n", encoding="utf-8")
    assert main(["--config", str(cfg), "config", "check"]) != 0
    err = capsys.readouterr().err
    assert key in err and "expected" in err


def test_figures_for_the_whole_event_are_refused_when_this_terminal_asked(two_terminals, sim):
    """A cloud (or relay) that answers the per-terminal question with the event's figures,
    or another terminal's, would flag every month: the client refuses the answer."""
    from kiosk.sync.cloud_errors import UnexpectedResponse

    a, b = two_terminals
    figures = {"count": 0, "points": 0, "holders": 0}
    month = {"month": "2017-12", "issued": figures, "used": figures, "expired": figures}
    for echo in (None, b.term.terminal_id):
        body = {"event_id": a.event, "terminal_id": echo, "months": [month], "totals": month}
        text = json.dumps(body)
        sim.fault("/v1/reports/monthly", "answer", method="GET", phase="before", status=200, body=text, count=1)
        with pytest.raises(UnexpectedResponse, match="terminal_id"):
            a.client.monthly("2017-12", "2017-12", a.event, terminal_id=a.term.terminal_id)
