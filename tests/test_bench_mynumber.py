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


def test_bench_under_the_contactless_profile_reports_the_same_keys_and_the_cards_time(vpcd_slot):
    from kiosk_demo.card_profiles import PROFILES

    ideal = run(vpcd_slot.port, vpcd_slot.reader, rounds=2)
    profile = PROFILES["contactless"].scaled(0.2)  # 90 ms of signature, ~1.5 s in all
    slow = run(vpcd_slot.port, vpcd_slot.reader, rounds=2, profile=profile)
    assert set(slow) == set(ideal)
    assert slow["identify_sign_apdus"] == ideal["identify_sign_apdus"]
    assert slow["identify_sign_ms"] > ideal["identify_sign_ms"] + 90  # the signature alone is 90 ms here
