"""The My Number benchmark runs over pcscd and reports what `kiosk bench` will read."""

from __future__ import annotations

import pytest

from kiosk_demo.bench.mynumber import TARGET_APDUS, run

pytestmark = pytest.mark.pcsc


def test_bench_reports_apdus_and_median_within_targets(vpcd_slot):
    figures = run(vpcd_slot.port, vpcd_slot.reader, rounds=10)
    assert figures["identify_sign_apdus"] <= TARGET_APDUS
    assert 0 < figures["identify_sign_ms"] < 30.0
    assert figures["tap_ms"] >= figures["identify_sign_ms"]
    assert figures["within_targets"] is True
