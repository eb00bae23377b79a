"""The balance as the counter shows it (kiosk.exchange.balance): lots earliest expiry first,
those within 14 days marked, and what is left after an exchange."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.exchange.balance import after_exchange, lot_views

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_lots_come_earliest_first_and_the_soon_ones_are_marked():
    raw = [
        {"points": 700, "expires_at": "2027-02-20T15:00:00Z", "event_id": "ev"},
        {"points": 300, "expires_at": "2026-12-15T03:00:00Z", "event_id": "ev"},  # exactly 14 days
        {"points": 200, "expires_at": "2026-12-15T03:00:01Z", "event_id": "ev"},  # 1 s later
    ]
    views = lot_views(raw, NOW)
    assert [v.points for v in views] == [300, 200, 700]
    assert [v.soon for v in views] == [True, False, False]
    assert lot_views([{"points": 5, "expires_at": "2026-12-10T00:00:00+00:00"}], NOW)[0].event_id == ""


def test_what_is_left_and_when_it_first_expires():
    views = lot_views(
        [
            {"points": 300, "expires_at": "2026-12-10T15:00:00Z", "event_id": "ev"},
            {"points": 50, "expires_at": "2026-12-11T15:00:00Z", "event_id": "other"},  # not this event's
            {"points": 700, "expires_at": "2027-02-20T15:00:00Z", "event_id": "ev"},
        ],
        NOW,
    )
    assert after_exchange(views, 1_000, 200, "ev") == (800, "2026-12-10T15:00:00Z")  # the first lot not used up
    assert after_exchange(views, 1_000, 300, "ev") == (700, "2027-02-20T15:00:00Z")  # the first lot used up
    assert after_exchange(views, 1_000, 1_000, "ev") == (0, None)  # nothing left, no expiry
