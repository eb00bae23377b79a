"""How long an experiment-point lot stays usable.

rules.md: a lot issued at any moment of JST date D is usable to the end of D + 100,
the issue day not counted (初日不算入). The city may read it as "through D + 99", so the
length and the counting rule live here, configurable, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum

JST = timezone(timedelta(hours=9), "JST")


class Counting(str, Enum):
    EXCLUDE_ISSUE_DAY = "exclude_issue_day"  # last valid day D + days
    INCLUDE_ISSUE_DAY = "include_issue_day"  # last valid day D + days - 1


@dataclass(frozen=True)
class ValidityRule:
    days: int = 100
    counting: Counting = Counting.EXCLUDE_ISSUE_DAY

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
            raise ValueError(f"validity days must be a positive integer, got {self.days!r}")
        object.__setattr__(self, "counting", Counting(self.counting))

    def last_valid_day(self, issued_at: datetime) -> date:
        d = _jst_date(issued_at)
        extra = self.days if self.counting is Counting.EXCLUDE_ISSUE_DAY else self.days - 1
        return d + timedelta(days=extra)

    def expires_at(self, issued_at: datetime) -> datetime:
        """First instant at which the lot is no longer usable (JST midnight after the last day)."""
        return datetime.combine(self.last_valid_day(issued_at) + timedelta(days=1), time(0), JST)

    def is_valid(self, issued_at: datetime, now: datetime) -> bool:
        return _aware(now) < self.expires_at(issued_at)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give times with their offset")
    return moment


def _jst_date(moment: datetime) -> date:
    return _aware(moment).astimezone(JST).date()
