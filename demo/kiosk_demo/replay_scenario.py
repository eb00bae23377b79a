"""The original Kawasaki experiment (Nov 2017 - Mar 2019) as deterministic replay data.

Pure data, no I/O, nothing random: 23 holders, 89 issuances of experiment points and
32 counter exchanges, in JST, sorted by time, plus EXPECTED — the report's Table 1 and
Table 2 (rules.md) in the shape kiosk_demo.replay_model.simulate() returns. Replaying the
events with kiosk.rules (ValidityRule() default, earliest-expiring lot first) reproduces
EXPECTED exactly; tests/test_replay_scenario.py checks it.

How the events were constructed (by hand, then checked by the model):

* Month-end outstanding balances follow from the report (issued - used - expired):
  8,500 / 12,900 / 13,000 / 19,700 / 10,000 / 10,000 / 5,450 / 8,350 / 9,250 / 7,900 /
  900 / 3,800 / 1,550 / 1,550 / 0 for 2017-11 ... 2019-01. Each lot was placed so that
  it is consumed before its expiry instant (JST midnight starting issue date + 101),
  except the six that the report says expired.
* A lot issued on JST date D expires in the month of D + 101, so the expired lots are:
  2018-03 <- issued 2017-11-20..12-20, 2018-05 <- 2018-01-20..02-19,
  2018-09 <- 2018-05-23..06-21, 2019-01 <- 2018-09-22..10-22 (no issuance in Sep 2018).
* 23 holders, 19 exchange at least once, so exactly 4 never exchange: each of them got
  one lot that expires whole (H02 5,000, H12 5,000, H21 1,000, H23 200). The other two
  expirations are remainders a user left: H01 200 (of 1,000, after 500 + 300) and
  H09 1,000 (of 1,400, after 400). Six different people, 12,400 points.
* Exchanges that must not touch a younger lot take exactly the holder's older lots
  (earliest-expiring first eats them whole), e.g. H05 2018-02-21 takes 1,000+1,000+1,300.
* 2018-06 has no exchange and 2018-05 only one, so March/April lots live until the two
  early-July exchanges (H13 on 07-02 before its 03-24 lot expires 07-03, H20 on 07-05).
* Aug 2018: H18 obtains 37 lots of 10,000 (6-24 Aug) and exchanges exactly 370,000 once,
  on 2018-08-27 with nothing older left (report 2(1)イ); the 2 other August lots total 1,800.
* H15 receives 2 x 5,000 in Oct 2018 and exchanges 10,000; H07 receives 1,000 + 350 in
  Nov 2018 and exchanges 1,350 on 2019-01-15, after the event closed (policy 8(2)).
* Issuances happen online (any hour, inside the event period 2017-11-20..2018-11-30);
  exchanges at the office between 10:00 and 18:00 JST, never on a Sunday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.rules import JST, EventPeriod

# The special-support event: issuing from 2017-11-20 through 2018-11-30 (JST).
EVENT_PERIOD = EventPeriod(
    event_id="kawasaki-2017",
    issue_from=datetime(2017, 11, 20, tzinfo=JST),
    issue_until=datetime(2018, 12, 1, tzinfo=JST),
)
# The report's end date (2019-03-10): the clock runs to the end of that day.
SIMULATE_UNTIL = datetime(2019, 3, 11, tzinfo=JST)
# The report's months, 2017-11 ... 2019-01.
MONTHS: tuple[str, ...] = (
    "2017-11",
    "2017-12",
    "2018-01",
    "2018-02",
    "2018-03",
    "2018-04",
    "2018-05",
    "2018-06",
    "2018-07",
    "2018-08",
    "2018-09",
    "2018-10",
    "2018-11",
    "2018-12",
    "2019-01",
)
HOLDERS: tuple[str, ...] = tuple(f"H{n:02d}" for n in range(1, 24))
OFFICE_HOURS = (10, 18)  # exchanges happen from 10:00 to before 18:00 JST


@dataclass(frozen=True)
class Issuance:
    """Experiment points issued to a holder (one lot)."""

    holder: str
    at: datetime
    points: int
    kind = "issue"


@dataclass(frozen=True)
class Exchange:
    """A counter exchange: the holder uses `points` experiment points."""

    holder: str
    at: datetime
    points: int
    kind = "exchange"


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=JST)


# holder, JST time, points — comments say what becomes of the lot.
_ISSUANCE_TABLE: tuple[tuple[str, str, int], ...] = (
    # 2017-11 (from the 20th): 5 / 9,000
    ("H01", "2017-11-20 09:40", 1_000),  # 500 + 300 exchanged, 200 expire 2018-03-01
    ("H02", "2017-11-21 21:05", 5_000),  # never exchanged: expires 2018-03-02
    ("H03", "2017-11-22 12:30", 1_000),
    ("H04", "2017-11-25 19:50", 1_000),
    ("H05", "2017-11-28 08:15", 1_000),
    # 2017-12: 5 / 8,600
    ("H06", "2017-12-02 10:20", 3_000),
    ("H07", "2017-12-05 22:10", 2_000),
    ("H03", "2017-12-08 18:45", 900),
    ("H08", "2017-12-14 13:05", 1_700),
    ("H05", "2017-12-19 07:55", 1_000),
    # 2018-01: 6 / 5,300
    ("H09", "2018-01-06 11:30", 1_000),
    ("H08", "2018-01-10 20:40", 500),
    ("H10", "2018-01-13 09:05", 1_000),
    ("H05", "2018-01-15 21:35", 1_300),
    ("H11", "2018-01-22 16:20", 500),
    ("H07", "2018-01-27 10:50", 1_000),
    # 2018-02: 8 / 15,001
    ("H13", "2018-02-03 14:10", 3_000),
    ("H12", "2018-02-05 20:25", 5_000),  # never exchanged: expires 2018-05-17
    ("H14", "2018-02-08 08:40", 2_000),
    ("H13", "2018-02-10 09:55", 1),  # the odd point of Table 1
    ("H09", "2018-02-14 19:30", 1_000),
    ("H15", "2018-02-17 11:15", 2_000),
    ("H16", "2018-02-20 22:00", 1_000),
    ("H10", "2018-02-24 08:05", 1_000),
    # 2018-03: 5 / 5,500
    ("H17", "2018-03-05 12:00", 500),
    ("H18", "2018-03-12 21:20", 2_000),
    ("H19", "2018-03-18 10:35", 1_000),
    ("H13", "2018-03-24 15:45", 1_000),
    ("H20", "2018-03-28 19:10", 1_000),
    # 2018-04: 4 / 8,000
    ("H18", "2018-04-02 20:05", 3_000),
    ("H18", "2018-04-09 07:30", 3_000),
    ("H13", "2018-04-15 13:20", 1_000),
    ("H20", "2018-04-27 21:45", 1_000),
    # 2018-05: 2 / 1,450
    ("H13", "2018-05-09 18:00", 450),
    ("H20", "2018-05-16 09:25", 1_000),
    # 2018-06: 4 / 2,900
    ("H21", "2018-06-05 20:50", 1_000),  # never exchanged: expires 2018-09-14
    ("H09", "2018-06-12 12:40", 1_400),  # 400 exchanged, 1,000 expire 2018-09-21
    ("H14", "2018-06-20 08:55", 300),
    ("H16", "2018-06-28 22:30", 200),
    # 2018-07: 2 / 6,350
    ("H15", "2018-07-10 19:15", 5_000),
    ("H14", "2018-07-18 11:05", 1_350),
    # 2018-08: 39 / 371,800 — H18's 37 x 10,000 plus H16 900 and H22 900
    ("H18", "2018-08-06 08:05", 10_000),
    ("H16", "2018-08-06 09:45", 900),
    ("H18", "2018-08-06 21:10", 10_000),
    ("H18", "2018-08-07 08:07", 10_000),
    ("H18", "2018-08-07 21:12", 10_000),
    ("H18", "2018-08-08 08:09", 10_000),
    ("H18", "2018-08-08 21:14", 10_000),
    ("H18", "2018-08-09 08:11", 10_000),
    ("H18", "2018-08-09 21:16", 10_000),
    ("H18", "2018-08-10 08:13", 10_000),
    ("H18", "2018-08-10 21:18", 10_000),
    ("H18", "2018-08-11 08:15", 10_000),
    ("H18", "2018-08-11 21:20", 10_000),
    ("H18", "2018-08-12 08:17", 10_000),
    ("H18", "2018-08-12 21:22", 10_000),
    ("H18", "2018-08-13 08:19", 10_000),
    ("H18", "2018-08-13 21:24", 10_000),
    ("H18", "2018-08-14 08:21", 10_000),
    ("H18", "2018-08-14 21:26", 10_000),
    ("H18", "2018-08-15 12:14", 10_000),
    ("H18", "2018-08-16 08:25", 10_000),
    ("H18", "2018-08-16 21:30", 10_000),
    ("H18", "2018-08-17 08:27", 10_000),
    ("H18", "2018-08-17 21:32", 10_000),
    ("H18", "2018-08-18 08:29", 10_000),
    ("H18", "2018-08-18 21:34", 10_000),
    ("H18", "2018-08-19 08:31", 10_000),
    ("H18", "2018-08-19 21:36", 10_000),
    ("H18", "2018-08-20 08:33", 10_000),
    ("H18", "2018-08-20 21:38", 10_000),
    ("H18", "2018-08-21 08:35", 10_000),
    ("H22", "2018-08-21 20:35", 900),
    ("H18", "2018-08-21 21:40", 10_000),
    ("H18", "2018-08-22 08:37", 10_000),
    ("H18", "2018-08-22 21:42", 10_000),
    ("H18", "2018-08-23 08:39", 10_000),
    ("H18", "2018-08-23 21:44", 10_000),
    ("H18", "2018-08-24 08:41", 10_000),
    ("H18", "2018-08-24 21:46", 10_000),
    # 2018-09: none
    # 2018-10: 7 / 12,900
    ("H15", "2018-10-03 10:10", 5_000),
    ("H15", "2018-10-10 21:00", 5_000),
    ("H23", "2018-10-12 14:25", 200),  # never exchanged: expires 2019-01-21
    ("H22", "2018-10-15 19:40", 1_000),
    ("H10", "2018-10-18 08:30", 500),
    ("H05", "2018-10-24 20:15", 700),
    ("H05", "2018-10-29 12:50", 500),
    # 2018-11: 2 / 1,350 (event closes at the end of 11-30)
    ("H07", "2018-11-16 18:20", 1_000),
    ("H07", "2018-11-27 21:10", 350),
)

# holder, JST time, points used — comments say which lots the exchange eats.
_EXCHANGE_TABLE: tuple[tuple[str, str, int], ...] = (
    # 2017-11: 1 / 500
    ("H01", "2017-11-27 14:20", 500),  # half of 11-20
    # 2017-12: 4 / 4,200
    ("H03", "2017-12-09 11:10", 1_900),  # 11-22 + 12-08
    ("H04", "2017-12-12 15:30", 1_000),
    ("H07", "2017-12-16 13:45", 1_000),  # half of 12-05
    ("H01", "2017-12-22 16:05", 300),  # 200 of 11-20 left to expire
    # 2018-01: 2 / 5,200
    ("H06", "2018-01-09 10:40", 3_000),
    ("H08", "2018-01-20 14:55", 2_200),  # 12-14 + 01-10
    # 2018-02: 3 / 8,301
    ("H13", "2018-02-16 11:25", 3_001),  # 02-03 + 02-10
    ("H05", "2018-02-21 15:10", 3_300),  # 11-28 + 12-19 + 01-15
    ("H09", "2018-02-24 12:35", 2_000),  # 01-06 + 02-14
    # 2018-03: 7 / 10,000
    ("H07", "2018-03-03 10:30", 2_000),  # rest of 12-05 (expires 03-16) + 01-27
    ("H10", "2018-03-06 16:40", 2_000),  # 01-13 + 02-24
    ("H11", "2018-03-08 13:15", 500),
    ("H14", "2018-03-10 11:50", 2_000),
    ("H15", "2018-03-14 14:05", 2_000),
    ("H16", "2018-03-17 10:45", 1_000),
    ("H17", "2018-03-20 17:20", 500),
    # 2018-04: 1 / 8,000
    ("H18", "2018-04-21 11:35", 8_000),  # 03-12 + 04-02 + 04-09
    # 2018-05: 1 / 1,000
    ("H19", "2018-05-19 13:50", 1_000),  # 03-18 (expires 06-27)
    # 2018-06: none
    # 2018-07: 2 / 5,450
    ("H13", "2018-07-02 15:25", 2_450),  # 03-24 (expires 07-03) + 04-15 + 05-09
    ("H20", "2018-07-05 12:10", 3_000),  # 03-28 (expires 07-07) + 04-27 + 05-16
    # 2018-08: 5 / 373,150
    ("H14", "2018-08-02 16:30", 650),  # 06-20 + 350 of 07-18
    ("H09", "2018-08-04 11:20", 400),  # 400 of 06-12, 1,000 left to expire
    ("H16", "2018-08-11 14:45", 1_100),  # 06-28 + 08-06
    ("H14", "2018-08-23 10:55", 1_000),  # rest of 07-18
    ("H18", "2018-08-27 13:30", 370_000),  # the 37 August lots, nothing else
    # 2018-09: 1 / 5,000
    ("H15", "2018-09-08 11:40", 5_000),  # 07-10
    # 2018-10: 1 / 10,000
    ("H15", "2018-10-20 15:15", 10_000),  # 10-03 + 10-10
    # 2018-11: 3 / 3,600
    ("H22", "2018-11-10 12:25", 1_900),  # 08-21 (expires 11-30) + 10-15
    ("H10", "2018-11-17 16:50", 500),
    ("H05", "2018-11-24 10:35", 1_200),  # 10-24 + 10-29
    # 2018-12: none
    # 2019-01: 1 / 1,350, after the event closed
    ("H07", "2019-01-15 14:00", 1_350),  # 11-16 + 11-27
)

ISSUANCES: tuple[Issuance, ...] = tuple(Issuance(h, _at(t), p) for h, t, p in _ISSUANCE_TABLE)
EXCHANGES: tuple[Exchange, ...] = tuple(Exchange(h, _at(t), p) for h, t, p in _EXCHANGE_TABLE)
# Both kinds merged in time order (no two events share an instant).
EVENTS: tuple[Issuance | Exchange, ...] = tuple(sorted(ISSUANCES + EXCHANGES, key=lambda e: e.at))

# The report's Table 1 and Table 2 (rules.md), per month:
# month, issued count, issued points, used count, used points, expired count, expired points
_EXPECTED_TABLE: tuple[tuple[str, int, int, int, int, int, int], ...] = (
    ("2017-11", 5, 9_000, 1, 500, 0, 0),
    ("2017-12", 5, 8_600, 4, 4_200, 0, 0),
    ("2018-01", 6, 5_300, 2, 5_200, 0, 0),
    ("2018-02", 8, 15_001, 3, 8_301, 0, 0),
    ("2018-03", 5, 5_500, 7, 10_000, 2, 5_200),
    ("2018-04", 4, 8_000, 1, 8_000, 0, 0),
    ("2018-05", 2, 1_450, 1, 1_000, 1, 5_000),
    ("2018-06", 4, 2_900, 0, 0, 0, 0),
    ("2018-07", 2, 6_350, 2, 5_450, 0, 0),
    ("2018-08", 39, 371_800, 5, 373_150, 0, 0),
    ("2018-09", 0, 0, 1, 5_000, 2, 2_000),
    ("2018-10", 7, 12_900, 1, 10_000, 0, 0),
    ("2018-11", 2, 1_350, 3, 3_600, 0, 0),
    ("2018-12", 0, 0, 0, 0, 0, 0),
    ("2019-01", 0, 0, 1, 1_350, 1, 200),
)
_COLUMNS = ("issued_count", "issued_points", "used_count", "used_points", "expired_count", "expired_points")

EXPECTED: dict = {
    "months": [{"month": row[0], **dict(zip(_COLUMNS, row[1:]))} for row in _EXPECTED_TABLE],
    "totals": {
        "issued_count": 89,
        "issued_points": 448_151,
        "used_count": 32,
        "used_points": 435_751,
        "expired_count": 6,
        "expired_points": 12_400,
        "issued_holders": 23,
        "used_holders": 19,
        "expired_holders": 6,
    },
}
