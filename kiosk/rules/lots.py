"""Experiment-point lots and their earliest-expiring-first consumption."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lot:
    lot_id: str
    points: int
    issued_at: datetime
    expires_at: datetime

    def usable_at(self, now: datetime) -> bool:
        return self.points > 0 and now < self.expires_at


def usable_points(lots: list[Lot], now: datetime) -> int:
    return sum(lot.points for lot in lots if lot.usable_at(now))


def consumption_order(lots: list[Lot], now: datetime) -> list[Lot]:
    """Usable lots, the one that expires first first (ties: older issue, then id)."""
    live = [lot for lot in lots if lot.usable_at(now)]
    return sorted(live, key=lambda lot: (lot.expires_at, lot.issued_at, lot.lot_id))


def allocate(lots: list[Lot], amount: int, now: datetime) -> list[tuple[str, int]]:
    """Which lots pay for `amount` points: [(lot_id, points)], earliest-expiring first.

    Raises ValueError when the usable points do not cover the amount; callers validate
    amounts first (kiosk.rules.amount) so this is a programming error, not user input.
    """
    if amount < 1:
        raise ValueError(f"amount must be positive, got {amount}")
    taken: list[tuple[str, int]] = []
    left = amount
    for lot in consumption_order(lots, now):
        part = min(lot.points, left)
        taken.append((lot.lot_id, part))
        left -= part
        if left == 0:
            return taken
    raise ValueError(f"usable points {amount - left} do not cover {amount}")
