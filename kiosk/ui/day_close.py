"""The day's close: a closing slip of today's exchanges (JST day) for the clerk — as a PDF in the
claims folder and on the receipt printer — and receipts reprinted (marked 再発行).

The slip lists each exchange of the day, the totals (corrections netted), the settlement
records not yet sent or parked, unfinished exchanges and the printer's state, so the office
can file it with the cash book. Figures come from the kiosk's own SQLite file only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from kiosk.exchange.view import Receipt, short_number
from kiosk.rules import JST
from kiosk.ui.slip_image import draw_lines, lines_image
from kiosk.ui.texts import local_time, points

translate = QCoreApplication.translate

PRINTER_NONE, PRINTER_READY, PRINTER_UNREACHABLE = "none", "ready", "unreachable"


@dataclass
class DayLine:
    exchange_id: str
    at: str
    points: int
    fee: int
    loaded: int
    reversed: bool


@dataclass
class DayFigures:
    day: date
    lines: list[DayLine] = field(default_factory=list)
    count: int = 0
    points: int = 0  # net of corrections: what the city is claimed for this day
    fee: int = 0
    loaded: int = 0
    reversals: int = 0
    unsent: int = 0
    parked: int = 0
    unfinished: int = 0
    printer: str = PRINTER_NONE


def day_bounds(day: date) -> tuple[str, str]:
    start = datetime.combine(day, dtime(0), JST).astimezone(UTC)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), dtime(0), JST).astimezone(UTC)
    return start.isoformat(timespec="milliseconds"), end.isoformat(timespec="milliseconds")


def day_figures(store, day: date | None = None, printer: str = PRINTER_NONE) -> DayFigures:
    """Today's (or `day`'s) committed exchanges, corrections netted, and the outbox's state."""
    day = day or datetime.now(JST).date()
    start, end = day_bounds(day)
    fig = DayFigures(day=day, printer=printer)
    rows = store.query(
        "SELECT e.exchange_id, e.updated_at, e.points, e.fee, e.loaded, "
        "EXISTS (SELECT 1 FROM reversals r WHERE r.exchange_id = e.exchange_id AND r.state = 'reversed') AS rev "
        "FROM exchanges e WHERE e.state = 'committed' AND e.updated_at >= ? AND e.updated_at < ? "
        "ORDER BY e.updated_at",
        (start, end),
    )
    for r in rows:
        line = DayLine(r["exchange_id"], r["updated_at"], r["points"], r["fee"], r["loaded"], bool(r["rev"]))
        fig.lines.append(line)
        if line.reversed:
            fig.reversals += 1
            continue
        fig.count += 1
        fig.points, fig.fee, fig.loaded = fig.points + line.points, fig.fee + line.fee, fig.loaded + line.loaded
    out = store.query("SELECT SUM(outcome IS NULL) AS unsent, SUM(outcome LIKE 'rejected:%') AS parked FROM outbox")[0]
    fig.unsent, fig.parked = int(out["unsent"] or 0), int(out["parked"] or 0)
    fig.unfinished = store.query("SELECT COUNT(*) AS n FROM exchanges WHERE state NOT IN ('committed', 'cancelled')")[
        0
    ]["n"]
    return fig


def printer_text(state: str) -> str:
    return {
        PRINTER_NONE: translate("kiosk", "no receipt printer"),
        PRINTER_READY: translate("kiosk", "ready"),
        PRINTER_UNREACHABLE: translate("kiosk", "cannot be reached"),
    }.get(state, state)


def slip_lines(fig: DayFigures) -> list[tuple[str, int]]:
    """The slip's text, line by line, with a size (pixels on the 384-dot printer)."""
    lines = [
        (translate("kiosk", "Closing slip"), 26),
        (translate("kiosk", "Day") + "  " + fig.day.isoformat(), 20),
        (translate("kiosk", "Printed") + "  " + local_time(datetime.now(UTC).isoformat()), 18),
    ]
    for line in fig.lines:
        mark = "  " + translate("kiosk", "(corrected)") if line.reversed else ""
        lines.append(
            (
                f"{local_time(line.at)[11:]} {short_number(line.exchange_id)} {points(line.points)}/{points(line.loaded)}"
                + mark,
                18,
            )
        )
    lines += [
        (translate("kiosk", "Exchanges") + f"  {fig.count:,}", 22),
        (translate("kiosk", "Experiment points used") + "  " + points(fig.points), 22),
        (translate("kiosk", "Fee (1/11)") + "  " + points(fig.fee), 20),
        (translate("kiosk", "Breka points loaded") + "  " + points(fig.loaded), 20),
        (translate("kiosk", "Corrections") + f"  {fig.reversals:,}", 20),
        (translate("kiosk", "Records not yet sent") + f"  {fig.unsent:,}", 20),
        (translate("kiosk", "Records refused (parked)") + f"  {fig.parked:,}", 20),
        (translate("kiosk", "Unfinished exchanges") + f"  {fig.unfinished:,}", 20),
        (translate("kiosk", "Receipt printer") + "  " + printer_text(fig.printer), 20),
    ]
    return lines


def render_slip(fig: DayFigures) -> QImage:
    """The slip as a white image for the 58 mm receipt printer."""
    return lines_image(slip_lines(fig))


def slip_pdf(fig: DayFigures, folder: Path) -> Path:
    """The slip as an A4 PDF: `closing-YYYY-MM-DD.pdf` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"closing-{fig.day.isoformat()}.pdf"
    writer = QPdfWriter(str(out))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF()))
    writer.setResolution(150)
    writer.setTitle(f"closing slip {fig.day.isoformat()}")
    painter = QPainter(writer)
    painter.setPen(QColor("black"))
    width = writer.width()
    lines = slip_lines(fig)
    per_page = max(1, int((writer.height() - 100) // 70))  # lines of ~20 px at scale 2
    for start in range(0, len(lines), per_page):
        if start:
            writer.newPage()
        draw_lines(painter, lines[start : start + per_page], width, scale=2.0)
    painter.end()
    return out


def receipt_of(parts, exchange_id: str) -> Receipt:
    """A committed exchange's receipt again, from the journal (for a reprint)."""
    row = parts.journal.get(exchange_id)
    mykey_id, points_used, fee, loaded = row.figures()
    record = parts.outbox.record_for(exchange_id)
    return Receipt(
        exchange_id=exchange_id,
        mykey_id=mykey_id,
        points_used=points_used,
        fee=fee,
        loaded=loaded,
        card_balance_before=row.balance_before or 0,
        card_balance_after=row.balance_after or 0,
        at=row.updated_at,
        record_id=record["record_id"] if record else None,
    )
