"""The `card_profile` fixture: the virtual cards served as ideal, contact-t0, contactless and
slow-reader cards (kiosk_demo.card_profiles), at a time scale that keeps CI short.

$KIOSK_TEST_CARD_TIME_SCALE (default 0.1) scales every profile's latencies in tests; 1
runs them at the real figures (`kiosk bench` always does). Random drop-outs are off here:
a test that wants one asks for it at a chosen command (`Profile.with_resets(at=…)`).
"""

from __future__ import annotations

import os

import pytest

from kiosk_demo.card_profiles import PROFILES, Profile

TEST_TIME_SCALE = float(os.environ.get("KIOSK_TEST_CARD_TIME_SCALE", "0.1"))
PROFILE_NAMES = list(PROFILES)


def test_profile(name: str, scale: float = TEST_TIME_SCALE) -> Profile:
    return PROFILES[name].scaled(scale).with_resets(0.0)


test_profile.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(params=PROFILE_NAMES)
def card_profile(request) -> Profile:
    return test_profile(request.param)
