"""A pure simulator of experiment-point lots: issuances, exchanges and expirations.

It applies issuance and exchange events in time order with kiosk.rules (ValidityRule,
Lot, usable_points, allocate: earliest-expiring lot first), derives expirations (a lot
whose expiry instant passes with points left is one expiration of those points, in the
JST month of that instant, for its holder) and returns the report's monthly table.
No I/O, integers only; a bad scenario raises ScenarioError, never a silent fix.

    result = simulate_scenario()            # the original experiment (replay_scenario)
    result.table == replay_scenario.EXPECTED
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.rules import JST, EventPeriod, Lot, ValidityRule, allocate, usable_points
from kiosk_demo import replay_scenario
from kiosk_demo.replay_scenario import Exchange, Issuance

COLUMNS = ("issued_count", "issued_points", "used_count", "used_points", "expired_count", "expired_points")


class ScenarioError(ValueError):
    """The events cannot have happened under the rules (e.g. more used than usable)."""


@dataclass(frozen=True)
class ExchangeRecord:
    holder: str
    at: datetime
    points: int
    usable_before: int  # the holder's usable points just before
    taken: tuple[tuple[str, int], ...]  # (lot_id, points) earliest-expiring first


@dataclass(frozen=True)
class Expiration:
    holder: str
    lot_id: str
    at: datetime  # the lot's expiry instant
    points: int  # what was left in it


@dataclass(frozen=True)
class SimulationResult:
    table: dict  # {"months": [...], "totals": {...}}
    lots: tuple[Lot, ...]  # every lot as issued (full points)
    lot_holder: dict[str, str]  # lot_id -> holder
    exchanges: tuple[ExchangeRecord, ...]
    expirations: tuple[Expiration, ...]
    outstanding: dict[str, int]  # holder -> points still usable at `until`
    until: datetime

    @property
    def outstanding_points(self) -> int:
        return sum(self.outstanding.values())


def month_of(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m")


def simulate(
    events: Iterable[Issuance | Exchange],
    *,
    until: datetime,
    months: Sequence[str],
    rule: ValidityRule = ValidityRule(),
    event_period: EventPeriod | None = None,
) -> SimulationResult:
    """Replay `events` (sorted here by time, issuances first on a tie) up to `until`.

    Raises ScenarioError for: a naive time, a non-integer or non-positive amount, an
    issuance outside `event_period` (when given), an event after `until`, an exchange
    larger than the holder's usable points at that moment, or an issuance, exchange or
    expiration (up to `until`) that falls outside `months` — the table accounts for all.
    """
    _require_aware(until, "until")
    ordered = _ordered(events)
    lots: dict[str, Lot] = {}  # current state (remaining points)
    issued: list[Lot] = []
    lot_holder: dict[str, str] = {}
    by_holder: dict[str, list[str]] = {}
    records: list[ExchangeRecord] = []
    expirations: list[Expiration] = []
    rows = {m: dict.fromkeys(COLUMNS, 0) for m in months}
    issued_holders: set[str] = set()
    used_holders: set[str] = set()
    totals = dict.fromkeys(COLUMNS, 0)

    def count(month: str, kind: str, points: int) -> None:
        if month not in rows:
            raise ScenarioError(f"{kind} in {month}, outside the table's months {months[0]}..{months[-1]}")
        rows[month][f"{kind}_count"] += 1
        rows[month][f"{kind}_points"] += points
        totals[f"{kind}_count"] += 1
        totals[f"{kind}_points"] += points

    def expire_up_to(now: datetime) -> None:
        due = sorted(
            (lot for lot in lots.values() if lot.points > 0 and lot.expires_at <= now),
            key=lambda lot: (lot.expires_at, lot.issued_at, lot.lot_id),
        )
        for lot in due:
            holder = lot_holder[lot.lot_id]
            expirations.append(Expiration(holder, lot.lot_id, lot.expires_at, lot.points))
            count(month_of(lot.expires_at), "expired", lot.points)
            lots[lot.lot_id] = replace(lot, points=0)

    for event in ordered:
        if event.at > until:
            raise ScenarioError(f"{_describe(event)} is after the end of the simulation {until}")
        expire_up_to(event.at)
        holder_lots = [lots[i] for i in by_holder.get(event.holder, [])]
        if isinstance(event, Issuance):
            if event_period is not None and not event_period.is_issuing(event.at):
                raise ScenarioError(
                    f"{_describe(event)} is outside the event period "
                    f"{event_period.issue_from}..{event_period.issue_until}"
                )
            n = len(holder_lots) + 1
            lot = Lot(f"{event.holder}#{n}", event.points, event.at, rule.expires_at(event.at))
            lots[lot.lot_id] = lot
            issued.append(lot)
            lot_holder[lot.lot_id] = event.holder
            by_holder.setdefault(event.holder, []).append(lot.lot_id)
            issued_holders.add(event.holder)
            count(month_of(event.at), "issued", event.points)
        else:
            usable = usable_points(holder_lots, event.at)
            if event.points > usable:
                raise ScenarioError(f"{_describe(event)} exceeds the holder's usable points {usable:,} at that moment")
            taken = allocate(holder_lots, event.points, event.at)
            for lot_id, part in taken:
                lots[lot_id] = replace(lots[lot_id], points=lots[lot_id].points - part)
            records.append(ExchangeRecord(event.holder, event.at, event.points, usable, tuple(taken)))
            used_holders.add(event.holder)
            count(month_of(event.at), "used", event.points)
    expire_up_to(until)

    outstanding: dict[str, int] = {}
    for lot in lots.values():
        if lot.points > 0:
            holder = lot_holder[lot.lot_id]
            outstanding[holder] = outstanding.get(holder, 0) + lot.points
    table = {
        "months": [{"month": m, **rows[m]} for m in months],
        "totals": {
            **totals,
            "issued_holders": len(issued_holders),
            "used_holders": len(used_holders),
            "expired_holders": len({e.holder for e in expirations}),
        },
    }
    return SimulationResult(table, tuple(issued), lot_holder, tuple(records), tuple(expirations), outstanding, until)


def simulate_scenario(rule: ValidityRule = ValidityRule()) -> SimulationResult:
    """The original experiment (kiosk_demo.replay_scenario) through the model."""
    return simulate(
        replay_scenario.EVENTS,
        until=replay_scenario.SIMULATE_UNTIL,
        months=replay_scenario.MONTHS,
        rule=rule,
        event_period=replay_scenario.EVENT_PERIOD,
    )


def _ordered(events: Iterable[Issuance | Exchange]) -> list[Issuance | Exchange]:
    checked = []
    for index, event in enumerate(events):
        if not isinstance(event, (Issuance, Exchange)):
            raise ScenarioError(f"event #{index} is not an Issuance or Exchange: {event!r}")
        _require_aware(event.at, _describe(event))
        if isinstance(event.points, bool) or not isinstance(event.points, int):
            raise ScenarioError(f"{_describe(event)}: points must be int")
        if event.points < 1:
            raise ScenarioError(f"{_describe(event)}: points must be positive")
        checked.append((event.at, 0 if isinstance(event, Issuance) else 1, index, event))
    checked.sort(key=lambda item: item[:3])
    return [item[3] for item in checked]


def _require_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ScenarioError(f"{what}: times must be timezone-aware datetimes")


def _describe(event: Issuance | Exchange) -> str:
    at = event.at.astimezone(JST).isoformat() if event.at.tzinfo else str(event.at)
    return f"{event.kind} of {event.points!r} points by {event.holder} at {at}"
