"""Japanese era dates (和暦) for the claim: 令和 from 2019-05-01, 平成 before it."""

from __future__ import annotations

from datetime import date

ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"))


def era_year(day: date) -> tuple[str, str]:
    """("令和", "8") for 2026; the first year of an era is 元."""
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return name, "元" if year == 1 else str(year)
    raise ValueError(f"{day} is before 平成")


def wareki_date(day: date) -> str:
    """令和8年12月1日"""
    era, year = era_year(day)
    return f"{era}{year}年{day.month}月{day.day}日"


def wareki_month(month: str) -> str:
    """'2018-08' -> 平成30年8月 (the era of the month's last day: May 2019 is 令和元年5月)."""
    year, mon = int(month[:4]), int(month[5:])
    era, era_y = era_year(date(year, mon, 28))
    return f"{era}{era_y}年{mon}月"


def both(day: date) -> str:
    """令和8年12月1日（2026年12月1日）"""
    return f"{wareki_date(day)}（{day.year}年{day.month}月{day.day}日）"
