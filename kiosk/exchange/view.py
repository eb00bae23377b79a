"""What the exchange shows: a phase, the figures of the moment and at most one problem.

The UI renders a View; it never looks inside the engine. Problems carry a stable code
(the UI maps codes to screens and translated text) and plain parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Phase(str, Enum):
    WAIT_MYNUMBER = "wait_mynumber"  # "tap your My Number Card"
    PIN = "pin"  # PIN keypad (tries_left shown)
    LOCKED = "locked"  # PIN blocked: go to the municipal office
    AMOUNT = "amount"  # lots with expiry, amount entry
    MYKEY_CONSENT = "mykey_consent"  # no MyKey ID yet: consent to set one up (then AMOUNT)
    RESERVED = "reserved"  # consent: assign the reserved points to the event (then AMOUNT again)
    CONFIRM = "confirm"  # points, fee, Breka points: confirm
    TAP_BREKA = "tap_breka"  # "now tap your Breka card" (again, after a tear)
    DONE = "done"  # receipt
    FAILED = "failed"  # one plain instruction; back to the start


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LotView:
    points: int
    expires_at: str  # RFC 3339 from the cloud
    soon: bool = False  # expires within SOON_DAYS: the screen highlights it
    event_id: str = ""  # "" for reserved points (no event yet)


@dataclass(frozen=True)
class Receipt:
    exchange_id: str
    mykey_id: str
    points_used: int
    fee: int
    loaded: int
    card_balance_before: int
    card_balance_after: int
    at: str
    record_id: str | None  # None while the cloud commit is still pending
    cloud_pending: bool = False
    reserved_assigned: int = 0  # reserved points assigned to the event in this visit
    points_left: int | None = None  # usable experiment points after the exchange
    nearest_expiry: str | None = None  # RFC 3339: when the first of those points expire


@dataclass(frozen=True)
class View:
    phase: Phase
    problem: Problem | None = None
    tries_left: int | None = None
    mykey_id: str | None = None
    lots: tuple[LotView, ...] = ()
    usable: int = 0
    reserved: int = 0
    reserved_lots: tuple[LotView, ...] = ()
    reserved_offer: bool = False  # the event issues now: assigning them may be offered
    issuing_closed: bool = False  # the event's issuing period is over (points stay usable)
    assigned: int = 0  # reserved points assigned in this visit
    points: int | None = None
    fee: int | None = None
    loaded: int | None = None
    exchange_id: str | None = None
    receipt: Receipt | None = None
    finished_pending: tuple[str, ...] = ()  # exchanges finished by this tap (recovery)
    mykey_created: bool = False  # the MyKey ID was set up in this visit


def masked_mykey(mykey_id: str | None) -> str:
    """A MyKey ID as screens show it: only its last 4 characters."""
    return "" if not mykey_id else "••••" + mykey_id[-4:]


def short_number(exchange_id: str) -> str:
    """The exchange's number as screens, receipts and the clerk list show it."""
    return exchange_id[:8].upper()
