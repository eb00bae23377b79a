"""Domain rules: pure functions over integers and aware datetimes, no I/O."""

from kiosk.rules.amount import (
    AmountError,
    AmountLimits,
    MoreThanCardHolds,
    MoreThanUsable,
    NeedsClerkApproval,
    NotAWholeNumber,
    NotPositive,
    parse_points,
    validate_amount,
)
from kiosk.rules.event import EventPeriod
from kiosk.rules.fee import FEE_DIVISOR, Quote, fee_for, points_for_loaded, quote
from kiosk.rules.lots import Lot, allocate, consumption_order, usable_points
from kiosk.rules.validity import JST, Counting, ValidityRule

__all__ = [
    "AmountError",
    "AmountLimits",
    "MoreThanCardHolds",
    "MoreThanUsable",
    "NeedsClerkApproval",
    "NotAWholeNumber",
    "NotPositive",
    "parse_points",
    "validate_amount",
    "EventPeriod",
    "FEE_DIVISOR",
    "Quote",
    "fee_for",
    "points_for_loaded",
    "quote",
    "Lot",
    "allocate",
    "consumption_order",
    "usable_points",
    "JST",
    "Counting",
    "ValidityRule",
]
