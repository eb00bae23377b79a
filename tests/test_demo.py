"""`kiosk demo` as a newcomer runs it: one exchange on the real pcscd with the virtual cards
and the simulator, continuing in the same folder on the next run; and the replay of the
original experiment, whose report must equal the city's Table 1 and Table 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk_demo.replay_scenario import EXPECTED

pytestmark = [pytest.mark.pcsc, pytest.mark.timeout(900)]
ROOT = Path(__file__).resolve().parents[1]


def kiosk(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_headless_demo_json_and_a_second_run_continues(tmp_path, pcscd):
    first = kiosk("demo", "--headless", "--json", "--state", str(tmp_path))
    assert first.returncode == 0, first.stderr
    one = json.loads(first.stdout)
    assert (one["points_used"], one["fee"], one["loaded"]) == (500, 45, 455)
    assert (one["card_balance_before"], one["card_balance_after"]) == (0, 455)
    assert (one["cloud_usable_before"], one["cloud_usable_after"]) == (10_000, 9_500)
    assert one["record_id"] and one["exchange_id"]
    assert one["apdus"]["mynumber"] <= 16 and one["apdus"]["breka"] <= 12
    assert set(one["ms"]) >= {"authenticate", "hold", "load_and_commit", "total"}
    second = json.loads(kiosk("demo", "--headless", "--json", "--state", str(tmp_path)).stdout)
    assert (second["card_balance_before"], second["card_balance_after"]) == (455, 910)
    assert (second["cloud_usable_before"], second["cloud_usable_after"]) == (9_500, 9_000)
    assert second["exchange_id"] != one["exchange_id"]


def test_first_time_demo_sets_up_the_mykey_id_and_exchanges_the_reserved_points(tmp_path, pcscd):
    out = kiosk("demo", "--headless", "--json", "--first-time", "--state", str(tmp_path))
    assert out.returncode == 0, out.stderr
    one = json.loads(out.stdout)
    assert one["mykey_created"] is True and one["reserved_assigned"] == 3_000
    assert (one["points_used"], one["fee"], one["loaded"]) == (3_000, 272, 2_728)
    assert one["points_used"] == one["fee"] + one["loaded"]  # the books: points = fee + Breka points
    assert (one["card_balance_before"], one["card_balance_after"]) == (0, 2_728)
    assert (one["cloud_usable_before"], one["cloud_usable_after"]) == (3_000, 0)
    assert one["record_id"] and one["exchange_id"]


def test_plain_demo_tells_what_happens_in_both_languages(tmp_path, pcscd):
    out = kiosk("demo", "--state", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "ブレカ残高 0 → 455" in out.stdout and "Breka balance 0 → 455" in out.stdout


@pytest.mark.slow
def test_replay_reproduces_the_reports_tables(tmp_path, pcscd):
    out = kiosk("demo", "replay", "--state", str(tmp_path / "replay"), "--json", timeout=1200)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert report == EXPECTED
    assert report["totals"]["issued_holders"] == 23 and report["totals"]["used_holders"] == 19
    assert report["totals"]["expired_holders"] == 6
    from kiosk.store import Store

    with Store(tmp_path / "replay" / "kiosk.sqlite3") as store:
        big = store.query("SELECT COUNT(*) AS n FROM exchanges WHERE points = 370000 AND state = 'committed'")
        assert big[0]["n"] == 1


def test_replay_refuses_a_used_folder(tmp_path):
    (tmp_path / "something").write_text("x")
    out = kiosk("demo", "replay", "--state", str(tmp_path))
    assert out.returncode == 1 and "not empty" in out.stderr
