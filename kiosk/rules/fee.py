"""The counter exchange's fee: one eleventh of the points used, fractions truncated.

Integer arithmetic only (rules.md): 1 point = 1 yen and no float ever touches an amount.
"""

from __future__ import annotations

from dataclasses import dataclass

FEE_DIVISOR = 11


@dataclass(frozen=True)
class Quote:
    points_used: int
    fee: int
    loaded: int

    def as_dict(self) -> dict[str, int]:
        return {"points_used": self.points_used, "fee": self.fee, "loaded": self.loaded}


def fee_for(points: int) -> int:
    _require_points(points)
    return points // FEE_DIVISOR


def quote(points: int) -> Quote:
    """Split P experiment points into the street's fee and the Breka points loaded."""
    fee = fee_for(points)
    return Quote(points_used=points, fee=fee, loaded=points - fee)


def points_for_loaded(loaded: int) -> int:
    """Smallest P whose loaded amount is at least `loaded` (for "I want N Breka points")."""
    _require_points(loaded)
    # loaded = P - P//11 >= loaded  <=>  P >= ceil(11*loaded/10) ... check the neighbour too.
    p = (loaded * FEE_DIVISOR + FEE_DIVISOR - 2) // (FEE_DIVISOR - 1)
    while p > 1 and quote(p - 1).loaded >= loaded:
        p -= 1
    while quote(p).loaded < loaded:
        p += 1
    return p


def _require_points(points: int) -> None:
    if isinstance(points, bool) or not isinstance(points, int):
        raise TypeError(f"points must be int, got {type(points).__name__}")
    if points < 1:
        raise ValueError(f"points must be positive, got {points}")
