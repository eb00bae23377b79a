"""Times on the wire: RFC 3339 with the JST offset (the city's time zone)."""

from __future__ import annotations

from datetime import datetime

from kiosk.rules import JST
from kiosk_demo.cloud.db import from_us, to_us


def iso(value: int | datetime | None) -> str | None:
    if value is None:
        return None
    moment = from_us(value) if isinstance(value, int) else value
    return moment.astimezone(JST).isoformat()


def month_of(us: int) -> str:
    return from_us(us).astimezone(JST).strftime("%Y-%m")


def month_start_us(month: str) -> int:
    year, mon = (int(part) for part in month.split("-"))
    return to_us(datetime(year, mon, 1, tzinfo=JST))


def next_month(month: str) -> str:
    year, mon = (int(part) for part in month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
