"""The original experiment's scenario replays to the report's Table 1 and Table 2 exactly."""

from datetime import date, datetime, timedelta

import pytest

from kiosk.rules import JST, ValidityRule, consumption_order
from kiosk_demo import replay_scenario as sc
from kiosk_demo.replay_model import ScenarioError, month_of, simulate, simulate_scenario
from kiosk_demo.replay_scenario import EXCHANGES, EXPECTED, ISSUANCES, Exchange, Issuance


@pytest.fixture(scope="module")
def result():
    return simulate_scenario()


def jst(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def run(events, until=jst(2019, 3, 11, 0)):
    return simulate(events, until=until, months=sc.MONTHS, event_period=sc.EVENT_PERIOD)


# -- the table --------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(sc.MONTHS)))
def test_every_month_row_equals_the_report(result, index):
    assert result.table["months"][index] == EXPECTED["months"][index]


def test_the_whole_table_equals_the_report(result):
    assert [row["month"] for row in result.table["months"]] == list(sc.MONTHS)
    assert len(sc.MONTHS) == 15 and sc.MONTHS[0] == "2017-11" and sc.MONTHS[-1] == "2019-01"
    assert result.table["totals"] == EXPECTED["totals"]
    assert result.table == EXPECTED


def test_distinct_people(result):
    totals = result.table["totals"]
    people = (totals["issued_holders"], totals["used_holders"], totals["expired_holders"])
    assert people == (23, 19, 6)


def test_expected_is_the_report_and_adds_up():
    totals = EXPECTED["totals"]
    for column in ("issued_count", "issued_points", "used_count", "used_points", "expired_count", "expired_points"):
        assert sum(row[column] for row in EXPECTED["months"]) == totals[column], column
    assert (totals["issued_count"], totals["issued_points"]) == (89, 448_151)
    assert (totals["used_count"], totals["used_points"]) == (32, 435_751)
    assert (totals["expired_count"], totals["expired_points"]) == (6, 12_400)
    expired = {r["month"]: (r["expired_count"], r["expired_points"]) for r in EXPECTED["months"] if r["expired_count"]}
    assert expired == {"2018-03": (2, 5_200), "2018-05": (1, 5_000), "2018-09": (2, 2_000), "2019-01": (1, 200)}


# -- invariants -------------------------------------------------------------------------


def test_issued_is_used_plus_expired_plus_nothing_outstanding(result):
    t = result.table["totals"]
    assert result.outstanding == {} and result.outstanding_points == 0
    assert t["issued_points"] == t["used_points"] + t["expired_points"] + result.outstanding_points
    for holder in sc.HOLDERS:  # and per holder
        issued = sum(e.points for e in ISSUANCES if e.holder == holder)
        used = sum(e.points for e in EXCHANGES if e.holder == holder)
        expired = sum(e.points for e in result.expirations if e.holder == holder)
        assert issued == used + expired, holder


def test_no_exchange_exceeds_usable_and_takes_earliest_expiring_first(result):
    lots = {lot.lot_id: lot for lot in result.lots}
    assert len(result.exchanges) == 32
    for rec in result.exchanges:
        assert 0 < rec.points <= rec.usable_before
        assert sum(part for _, part in rec.taken) == rec.points
        taken = [lots[lot_id] for lot_id, _ in rec.taken]
        assert all(result.lot_holder[lot.lot_id] == rec.holder for lot in taken)
        assert all(lot.issued_at <= rec.at < lot.expires_at for lot in taken)
        assert taken == consumption_order(taken, rec.at)  # ordered by expiry


def test_lots_follow_the_default_validity_rule(result):
    for lot in result.lots:
        issue_day = lot.issued_at.astimezone(JST).date()
        assert lot.expires_at == datetime.combine(issue_day + timedelta(days=101), datetime.min.time(), JST)
        assert lot.expires_at == ValidityRule().expires_at(lot.issued_at)


def test_six_expirations_of_six_people(result):
    got = [(e.holder, month_of(e.at), e.points) for e in result.expirations]
    assert got == [
        ("H01", "2018-03", 200),
        ("H02", "2018-03", 5_000),
        ("H12", "2018-05", 5_000),
        ("H21", "2018-09", 1_000),
        ("H09", "2018-09", 1_000),
        ("H23", "2019-01", 200),
    ]
    assert len({holder for holder, _, _ in got}) == 6
    never_exchanged = set(sc.HOLDERS) - {e.holder for e in EXCHANGES}
    assert never_exchanged == {"H02", "H12", "H21", "H23"}


def test_one_exchange_of_370000_in_august_2018(result):
    big = [r for r in result.exchanges if r.points == 370_000]
    assert len(big) == 1
    rec = big[0]
    assert month_of(rec.at) == "2018-08"
    august = [r for r in result.exchanges if month_of(r.at) == "2018-08"]
    assert sum(r.points for r in august) == 373_150
    assert max(r.points for r in result.exchanges if r is not rec) < 370_000 // 10
    # the holder obtained exactly those 370,000 points in August and exchanged them
    obtained = [e for e in ISSUANCES if e.holder == rec.holder and month_of(e.at) == "2018-08"]
    assert sum(e.points for e in obtained) == 370_000
    lots = {lot.lot_id: lot for lot in result.lots}
    assert all(month_of(lots[lot_id].issued_at) == "2018-08" for lot_id, _ in rec.taken)
    assert rec.usable_before == 370_000


# -- the scenario's own constraints -----------------------------------------------------


def test_scenario_shape():
    assert len(ISSUANCES) == 89 and len(EXCHANGES) == 32
    assert sc.HOLDERS == tuple(f"H{n:02d}" for n in range(1, 24))
    assert {e.holder for e in ISSUANCES} == set(sc.HOLDERS)
    assert {e.holder for e in EXCHANGES} <= set(sc.HOLDERS)
    for events in (ISSUANCES, EXCHANGES, sc.EVENTS):
        times = [e.at for e in events]
        assert times == sorted(times)
    assert len({e.at for e in sc.EVENTS}) == len(sc.EVENTS) == 121
    for e in sc.EVENTS:
        assert e.at.utcoffset() == timedelta(hours=9)
        assert type(e.points) is int and e.points > 0


def test_issuances_only_inside_the_event_period():
    first, last = date(2017, 11, 20), date(2018, 11, 30)
    for e in ISSUANCES:
        assert first <= e.at.astimezone(JST).date() <= last, e
        assert sc.EVENT_PERIOD.is_issuing(e.at)
    assert not any(month_of(e.at) == "2018-09" for e in ISSUANCES)


def test_exchanges_at_the_office_in_plausible_hours():
    start, end = sc.OFFICE_HOURS
    for e in EXCHANGES:
        local = e.at.astimezone(JST)
        assert start <= local.hour < end, e
        assert local.weekday() != 6, e  # no Sunday
    after_close = [e for e in EXCHANGES if not e.at < sc.EVENT_PERIOD.issue_until]
    assert [(month_of(e.at), e.points) for e in after_close] == [("2019-01", 1_350)]


def test_simulation_is_deterministic():
    assert simulate_scenario() == simulate_scenario()


# -- the model refuses impossible scenarios ---------------------------------------------


def test_exchange_larger_than_usable_raises():
    events = [Issuance("X", jst(2018, 1, 5), 1_000), Exchange("X", jst(2018, 1, 10), 1_001)]
    with pytest.raises(ScenarioError, match=r"exceeds the holder's usable points 1,000"):
        run(events)


def test_exchange_of_expired_points_raises():
    # issued 2018-01-05: usable to the end of 2018-04-15, gone at 2018-04-16 00:00 JST
    ok = run([Issuance("X", jst(2018, 1, 5), 500), Exchange("X", jst(2018, 4, 15, 17), 500)])
    assert ok.table["totals"]["used_points"] == 500
    with pytest.raises(ScenarioError, match="usable points 0"):
        run([Issuance("X", jst(2018, 1, 5), 500), Exchange("X", jst(2018, 4, 16, 10), 500)])


def test_another_holders_points_are_not_usable():
    with pytest.raises(ScenarioError, match="by Y"):
        run([Issuance("X", jst(2018, 1, 5), 500), Exchange("Y", jst(2018, 1, 6), 100)])


def test_breaking_the_real_scenario_is_detected():
    # H18 asks for 10,000 more than the 370,000 they hold
    events = [Exchange(e.holder, e.at, 380_000) if e.points == 370_000 else e for e in sc.EVENTS]
    with pytest.raises(ScenarioError, match="H18"):
        run(events)


def test_issuance_outside_the_event_period_raises():
    with pytest.raises(ScenarioError, match="outside the event period"):
        run([Issuance("X", jst(2017, 11, 19), 500)])
    with pytest.raises(ScenarioError, match="outside the event period"):
        run([Issuance("X", jst(2018, 12, 1, 0, 0), 500)])


@pytest.mark.parametrize(
    "bad",
    [
        Issuance("X", datetime(2018, 1, 5, 12), 500),  # naive
        Issuance("X", jst(2018, 1, 5), 500.0),  # float
        Issuance("X", jst(2018, 1, 5), True),  # bool
        Issuance("X", jst(2018, 1, 5), 0),
    ],
)
def test_bad_events_raise(bad):
    with pytest.raises(ScenarioError):
        run([bad])


def test_expiration_counts_in_the_month_of_its_expiry_instant():
    # issued 2017-11-20 (any hour): expires 2018-03-01 00:00 JST -> counted in 2018-03
    res = run([Issuance("X", jst(2017, 11, 20, 23, 59), 700)])
    row = {r["month"]: r for r in res.table["months"]}
    assert (row["2018-03"]["expired_count"], row["2018-03"]["expired_points"]) == (1, 700)
    assert row["2018-02"]["expired_count"] == 0 and res.outstanding_points == 0
