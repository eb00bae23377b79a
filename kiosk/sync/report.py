"""The monthly claim (月次精算): the report's Table 1 and Table 2, per JST month.

Issued and expired figures come from the cloud (`CloudClient.monthly`); used figures
come from the kiosk's own settlement records (the outbox), counted in the JST month of
`occurred_at`. The claim is the experiment points used (P yen), never the loaded amount.
Every month where the kiosk's used figures and the cloud's differ is listed as a
mismatch, so the office settles it before sending the claim to the city.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kiosk.rules import JST
from kiosk.store.visits import OUTCOMES as VISIT_OUTCOMES

if TYPE_CHECKING:
    from kiosk.store import Store
    from kiosk.sync.cloud import CloudClient

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 240
KINDS = ("issued", "used", "expired")
FIGURES = ("count", "points", "holders")
COLUMNS = (
    ["month"]
    + [f"{k}_{f}" for k in KINDS for f in FIGURES]
    + [f"cloud_used_{f}" for f in FIGURES]
    + ["claim_points", "mismatch"]
)
CSV_COLUMNS = COLUMNS + ["fee_points", "loaded_points"] + [f"visits_{o}" for o in VISIT_OUTCOMES]


class MonthError(ValueError):
    """A month that is not YYYY-MM, or a range that runs backwards or is too long."""


def parse_month(text: str) -> str:
    if not isinstance(text, str) or not MONTH.match(text) or not 1900 <= int(text[:4]) <= 2199:
        raise MonthError(f"月は YYYY-MM で指定してください / a month must be YYYY-MM: {text!r}")
    return text


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    parse_month(first), parse_month(last)
    if last < first:
        raise MonthError(f"開始月が終了月より後です / --from {first} is after --to {last}")
    months = [first]
    while months[-1] != last:
        months.append(next_month(months[-1]))
        if len(months) > MAX_MONTHS:
            raise MonthError(f"期間は {MAX_MONTHS} か月までです / at most {MAX_MONTHS} months per report")
    return months


def jst_month(occurred_at: str) -> str:
    moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"occurred_at without a UTC offset: {occurred_at!r}")
    return moment.astimezone(JST).strftime("%Y-%m")


# Settlement record kinds and the sign of their count. Amounts (points_used, fee, loaded)
# are stored signed in the record: a reversal carries them negative, so sums net out.
RECORD_KINDS = {"exchange": 1, "reversal": -1}


@dataclass(frozen=True)
class Amounts:
    count: int
    points: int
    fee: int
    loaded: int


def record_amounts(record: dict[str, Any]) -> Amounts:
    """The one place a settlement record becomes figures: every total (report, claim, register)
    goes through here, so a reversal nets against its exchange wherever points are summed."""
    kind = record.get("kind", "exchange")
    sign = RECORD_KINDS.get(kind) if isinstance(kind, str) else None
    if sign is None:
        raise ValueError(f"settlement record of unknown kind {kind!r}; run `kiosk outbox verify`")
    values: list[int] = []
    for name in ("points_used", "fee", "loaded"):
        value = record.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("points must be integers")
        if value * sign < 0:  # an exchange never subtracts, a reversal never adds
            raise ValueError(f"a {kind} record with {name} of the wrong sign: {value}")
        values.append(value)
    return Amounts(sign, values[0], values[1], values[2])


@dataclass
class Tally:
    count: int = 0
    points: int = 0
    fee: int = 0
    loaded: int = 0
    net: dict[str, int] = field(default_factory=dict)  # holder -> net points used

    def add(self, amounts: Amounts, holder: str) -> None:
        self.count += amounts.count
        self.points += amounts.points
        self.fee += amounts.fee
        self.loaded += amounts.loaded
        self.net[holder] = self.net.get(holder, 0) + amounts.points

    @property
    def holders(self) -> int:
        """Holders who used points, net: one whose only exchange was reversed used none."""
        return sum(1 for points in self.net.values() if points > 0)

    def figures(self) -> dict[str, int]:
        return {"count": self.count, "points": self.points, "holders": self.holders}


def kiosk_used(
    records: Iterable[dict[str, Any]], months: list[str], event_id: str | None = None
) -> tuple[dict[str, Tally], Tally]:
    """Used figures per JST month (and over the period) from the kiosk's settlement records."""
    per = {m: Tally() for m in months}
    total = Tally()
    for record in records:
        if event_id is not None and record.get("event_id") != event_id:
            continue
        month = jst_month(record["occurred_at"])
        if month in per:
            amounts = record_amounts(record)
            per[month].add(amounts, record["mykey_id"])
            total.add(amounts, record["mykey_id"])
    return per, total


@dataclass
class MonthlyReport:
    first: str
    last: str
    event_id: str | None
    terminal_id: str
    generated_at: str
    months: list[dict[str, Any]]
    totals: dict[str, Any]
    mismatches: list[dict[str, Any]]
    reconciled: bool = True  # False: built from the kiosk's records alone (未照合), no cloud figures

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.first,
            "to": self.last,
            "event_id": self.event_id,
            "terminal_id": self.terminal_id,
            "generated_at": self.generated_at,
            "reconciled": self.reconciled,
            "months": self.months,
            "totals": self.totals,
            "mismatches": self.mismatches,
        }


def _flat(prefix: str, figures: dict[str, int] | None) -> dict[str, int | None]:
    if figures is None:  # not reconciled: the cloud's figure is unknown, not zero
        return {f"{prefix}_{name}": None for name in FIGURES}
    return {f"{prefix}_{name}": int(figures.get(name, 0)) for name in FIGURES}


def _visit_counts(visits: dict[str, dict[str, int]] | None, month: str) -> dict[str, int]:
    got = (visits or {}).get(month, {})
    return {outcome: int(got.get(outcome, 0)) for outcome in VISIT_OUTCOMES}


def build(
    records: Iterable[dict[str, Any]],
    cloud: dict[str, Any] | None,
    first: str,
    last: str,
    *,
    event_id: str | None = None,
    terminal_id: str = "",
    now: datetime | None = None,
    visits: dict[str, dict[str, int]] | None = None,
) -> MonthlyReport:
    """Join the kiosk's records with the cloud's monthly figures (pure: no I/O).

    `cloud` None: the cloud could not be asked; the report is the kiosk's own records,
    marked not reconciled, with the cloud's figures left empty (None), never zero."""
    months = months_between(first, last)
    used, used_total = kiosk_used(records, months, event_id)
    reconciled = cloud is not None
    by_month = {m["month"]: m for m in (cloud or {}).get("months", [])}
    empty = {"count": 0, "points": 0, "holders": 0}
    rows: list[dict[str, Any]] = []
    mismatches: list[dict[str, Any]] = []
    for month in months:
        remote = by_month.get(month, {})
        tally = used[month]
        mine = tally.figures()
        theirs = {name: int(remote.get("used", empty).get(name, 0)) for name in FIGURES}
        differs = [name for name in FIGURES if mine[name] != theirs[name]] if reconciled else []
        row = {
            "month": month,
            **_flat("issued", remote.get("issued", empty) if reconciled else None),
            **_flat("used", mine),
            **_flat("expired", remote.get("expired", empty) if reconciled else None),
            **_flat("cloud_used", theirs if reconciled else None),
            "claim_points": mine["points"],
            "fee_points": tally.fee,
            "loaded_points": tally.loaded,
            "mismatch": bool(differs),
            "visits": _visit_counts(visits, month),
        }
        rows.append(row)
        if differs:
            mismatches.append({"month": month, "fields": differs, "kiosk": mine, "cloud": theirs})
    remote_totals = (cloud or {}).get("totals", {})
    totals = {
        **_flat("issued", remote_totals.get("issued", empty) if reconciled else None),
        **_flat("used", used_total.figures()),
        **_flat("expired", remote_totals.get("expired", empty) if reconciled else None),
        **_flat("cloud_used", remote_totals.get("used", empty) if reconciled else None),
        "claim_points": used_total.points,
        "fee_points": used_total.fee,
        "loaded_points": used_total.loaded,
        "mismatch_months": len(mismatches),
        "visits": {o: sum(r["visits"][o] for r in rows) for o in VISIT_OUTCOMES},
    }
    stamp = (now or datetime.now(UTC)).astimezone(JST).isoformat(timespec="seconds")
    return MonthlyReport(first, last, event_id, terminal_id, stamp, rows, totals, mismatches, reconciled)


def local_records(store: Store, first: str | None = None, last: str | None = None) -> list[dict[str, Any]]:
    """The settlement records the kiosk holds, sent or not, in seq order: all of them, or those
    that may fall in the JST months `first`..`last` (by the outbox's occurred_at column, with
    a day's margin for any UTC offset; `build` keeps exactly the months asked for)."""
    from kiosk.store import StoreError

    sql = "SELECT seq, record FROM outbox"
    args: tuple[str, ...] = ()
    if first is not None and last is not None:
        lo = datetime.fromisoformat(f"{parse_month(first)}-01T00:00:00+09:00") - timedelta(days=1)
        hi = datetime.fromisoformat(f"{next_month(parse_month(last))}-01T00:00:00+09:00") + timedelta(days=1)
        # A row without the column (damaged record) is read too: it stops the report, as before.
        sql += " WHERE occurred_at IS NULL OR (occurred_at >= ? AND occurred_at < ?)"
        args = (lo.astimezone(UTC).isoformat(), hi.astimezone(UTC).isoformat())
    records = []
    for r in store.query(sql + " ORDER BY seq", args):
        try:
            record = json.loads(r["record"])
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise StoreError(f"outbox seq {r['seq']} is not a settlement record; run `kiosk outbox verify`")
        records.append(record)
    return records


def collect(
    client: CloudClient | None,
    records: list[dict[str, Any]],
    first: str,
    last: str,
    event_id: str | None = None,
    terminal_id: str = "",
    *,
    visits: dict[str, dict[str, int]] | None = None,
    offline_ok: bool = False,
) -> MonthlyReport:
    """Fetch the cloud's figures for this terminal over the period and join them with the
    kiosk's records: like with like, so another terminal's exchanges never look like a
    mismatch. `offline_ok`: when the cloud cannot be reached (or `client` is None), the
    report is built from the kiosk's records alone and marked not reconciled."""
    from kiosk.sync.cloud_errors import CloudUnavailable

    months_between(first, last)
    cloud: dict[str, Any] | None = None
    if client is not None:
        try:
            cloud = client.monthly(first, last, event_id, terminal_id=terminal_id or None)
        except CloudUnavailable:
            if not offline_ok:
                raise
    elif not offline_ok:
        raise ValueError("no cloud client and offline_ok is not set")
    return build(records, cloud, first, last, event_id=event_id, terminal_id=terminal_id, visits=visits)


def to_json(report: MonthlyReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(report: MonthlyReport) -> str:
    """One row per month, then a `total` row (holders there are distinct over the whole period).
    Cloud figures of a report that is not reconciled are empty cells."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.months:
        writer.writerow(_csv_row(row, "yes" if row["mismatch"] else ""))
    totals = {**report.totals, "month": "total"}
    writer.writerow(_csv_row(totals, "yes" if report.mismatches else ""))
    return out.getvalue()


def _csv_row(row: dict[str, Any], mismatch: str) -> dict[str, Any]:
    flat = {k: _cell(v) for k, v in row.items() if k in CSV_COLUMNS}
    flat.update({f"visits_{o}": row["visits"][o] for o in VISIT_OUTCOMES})
    return {**flat, "mismatch": mismatch}
