from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.rules import JST, Counting, EventPeriod, Lot, ValidityRule, allocate, consumption_order, usable_points

UTC = UTC


def jst(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def test_default_rule_is_end_of_issue_day_plus_100():
    rule = ValidityRule()
    issued = jst(2017, 11, 20, 14, 30)
    assert rule.last_valid_day(issued) == date(2018, 2, 28)
    assert rule.expires_at(issued) == jst(2018, 3, 1)
    assert rule.is_valid(issued, jst(2018, 2, 28, 23, 59))
    assert not rule.is_valid(issued, jst(2018, 3, 1, 0, 0))


def test_include_issue_day_reading_is_one_day_shorter():
    rule = ValidityRule(days=100, counting=Counting.INCLUDE_ISSUE_DAY)
    assert rule.last_valid_day(jst(2017, 11, 20, 9)) == date(2018, 2, 27)


def test_the_jst_date_counts_not_the_utc_date():
    # 2017-11-20 16:00 UTC is already 2017-11-21 in Japan.
    issued = datetime(2017, 11, 20, 16, 0, tzinfo=UTC)
    assert ValidityRule().last_valid_day(issued) == date(2018, 3, 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        ValidityRule().expires_at(datetime(2018, 1, 1))


@pytest.mark.parametrize("days", [0, -1, 1.5, True])
def test_bad_lengths_are_refused(days):
    with pytest.raises(ValueError):
        ValidityRule(days=days)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(JST)),
    st.integers(min_value=1, max_value=3650),
)
def test_any_moment_of_the_issue_day_gives_the_same_expiry(moment, days):
    rule = ValidityRule(days=days)
    start_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    assert rule.expires_at(moment) == rule.expires_at(start_of_day)
    assert rule.expires_at(moment) - start_of_day == timedelta(days=days + 1)


def lot(lot_id, points, issued, rule=ValidityRule()):
    return Lot(lot_id, points, issued, rule.expires_at(issued))


def test_allocation_takes_the_earliest_expiring_lot_first():
    lots = [lot("late", 500, jst(2018, 3, 1)), lot("early", 300, jst(2018, 1, 5)), lot("mid", 200, jst(2018, 2, 1))]
    now = jst(2018, 3, 2)
    assert [lot.lot_id for lot in consumption_order(lots, now)] == ["early", "mid", "late"]
    assert allocate(lots, 600, now) == [("early", 300), ("mid", 200), ("late", 100)]
    assert allocate(lots, 100, now) == [("early", 100)]


def test_expired_lots_are_not_usable_or_allocated():
    lots = [lot("old", 300, jst(2017, 11, 20)), lot("new", 200, jst(2018, 2, 1))]
    now = jst(2018, 3, 1)  # "old" expired at this instant
    assert usable_points(lots, now) == 200
    assert allocate(lots, 200, now) == [("new", 200)]
    with pytest.raises(ValueError):
        allocate(lots, 201, now)


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 400)), min_size=1, max_size=8), st.integers(1, 50_000))
def test_allocation_covers_exactly_the_amount_or_refuses(specs, amount):
    base = jst(2018, 1, 1)
    lots = [lot(f"l{i}", pts, base + timedelta(days=d)) for i, (pts, d) in enumerate(specs)]
    now = base + timedelta(days=150)
    usable = usable_points(lots, now)
    if amount > usable:
        with pytest.raises(ValueError):
            allocate(lots, amount, now)
        return
    taken = allocate(lots, amount, now)
    assert sum(p for _, p in taken) == amount
    by_id = {lot.lot_id: lot for lot in lots}
    assert all(0 < p <= by_id[i].points and by_id[i].usable_at(now) for i, p in taken)
    expiries = [by_id[i].expires_at for i, _ in taken]
    assert expiries == sorted(expiries)


def test_event_period_issues_only_inside_but_points_outlive_it():
    event = EventPeriod("kawasaki-h29-h30", jst(2017, 11, 20), jst(2018, 12, 1))
    assert event.is_issuing(jst(2017, 11, 20))
    assert not event.is_issuing(jst(2018, 12, 1))
    issued_last_day = lot("x", 200, jst(2018, 11, 30, 12))
    assert issued_last_day.usable_at(jst(2019, 1, 15))  # after the event, still valid
    with pytest.raises(ValueError):
        EventPeriod("bad", jst(2018, 1, 2), jst(2018, 1, 1))
