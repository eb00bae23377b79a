"""The holder's balance as the counter shows it: lots and reserved points with their
expiry (those that expire soon marked), and what is left after an exchange.

Pure functions over the cloud's checked balance answer (kiosk.sync.cloud_schema.balance).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from kiosk.exchange.view import LotView

SOON_DAYS = 14  # a lot that expires within this many days is highlighted (rules.md)


def _moment(rfc3339: str) -> datetime:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))


def is_soon(expires_at: str, now: datetime) -> bool:
    return _moment(expires_at) - now <= timedelta(days=SOON_DAYS)


def lot_views(raw: Iterable[dict[str, Any]], now: datetime) -> tuple[LotView, ...]:
    """Lots (or reserved points) earliest expiry first, the soon-expiring ones marked."""
    return tuple(
        LotView(int(r["points"]), r["expires_at"], is_soon(r["expires_at"], now), str(r.get("event_id", "")))
        for r in sorted(raw, key=lambda r: _moment(r["expires_at"]))
    )


def after_exchange(lots: tuple[LotView, ...], usable: int, used: int, event_id: str) -> tuple[int, str | None]:
    """(points left, when the first of them expire): the cloud takes the event's lots that
    expire first (kiosk.rules.lots), so the nearest expiry is that of the first lot not used up."""
    left, to_take = max(0, usable - used), used
    for lot in lots:
        if lot.event_id and lot.event_id != event_id:
            continue
        if lot.points > to_take:
            return left, lot.expires_at if left else None
        to_take -= lot.points
    return left, None
