"""The Breka load benchmark runs over pcscd and meets its APDU budget."""

from __future__ import annotations

import pytest

from kiosk_demo.bench.breka import TARGET_APDUS, TARGET_MS, run

pytestmark = pytest.mark.pcsc


def test_benchmark_reports_the_load_figures(vpcd_slot):
    figures = run(vpcd_slot.port, loads=12)
    assert figures["loads"] == 12
    # 9 APDUs on a fresh card; 10 once the log needs a second frame (after 7 records)
    assert figures["breka_load_apdus_min"] == 9
    assert figures["breka_load_apdus"] == 10 <= TARGET_APDUS
    assert 0 < figures["breka_load_ms_card_in_memory"] < TARGET_MS
    assert 0 < figures["breka_load_ms"] <= figures["breka_tap_ms"]
