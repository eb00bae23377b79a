"""The monthly claim as a Japanese A4 PDF (reportlab), with an embedded CJK TrueType font.

Title, period, the claim amount, Table 1 (issued / used), Table 2 (expired), totals,
a bar chart of issued / used / expired points per month, and every month where the
kiosk's records and the cloud disagree, highlighted. Needs a CJK TrueType font: IPA
Gothic (Debian fonts-ipafont-gothic) first; reportlab cannot embed CFF-outline fonts,
so an OpenType/CFF-only Noto CJK install is tried but may not do.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from kiosk.sync.report import MonthlyReport

if TYPE_CHECKING:  # reportlab has no type information: these are Any to the checker
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

FONT_NAME = "KioskCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansCJKjp-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
)
TITLE = "実証実験ポイント 月次精算報告"
SUBTITLE = "Monthly settlement report: experiment points exchanged into Breka points"
MISMATCH_BG = "#ffd6d6"


class FontMissing(RuntimeError):
    pass


def register_font(candidates: tuple[str, ...] = FONT_CANDIDATES) -> str:
    """Register the first usable CJK TrueType font with reportlab; return its path."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried = []
    for path in candidates:
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            return path
        except (TTFError, OSError, ValueError) as exc:
            tried.append(f"{path} ({exc})")
    raise FontMissing(
        "日本語フォントがありません / no usable CJK TrueType font: install the Debian package "
        "fonts-ipafont-gothic" + (f"; tried {'; '.join(tried)}" if tried else "")
    )


def _n(value: int | None) -> str:
    return "—" if value is None else f"{int(value):,}"  # None: the cloud's figure, not reconciled


def render(report: MonthlyReport, out: Path | str, font_candidates: tuple[str, ...] = FONT_CANDIDATES) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    register_font(font_candidates)
    out = Path(out)
    styles = {
        "title": ParagraphStyle("t", fontName=FONT_NAME, fontSize=17, leading=22, spaceAfter=1 * mm),
        "sub": ParagraphStyle("s", fontName=FONT_NAME, fontSize=8.5, leading=11, textColor=colors.grey),
        "h": ParagraphStyle(
            "h", fontName=FONT_NAME, fontSize=11.5, leading=15, spaceBefore=4 * mm, spaceAfter=1.5 * mm
        ),
        "p": ParagraphStyle("p", fontName=FONT_NAME, fontSize=9, leading=13),
        "claim": ParagraphStyle(
            "c",
            fontName=FONT_NAME,
            fontSize=12,
            leading=17,
            borderColor=colors.black,
            borderWidth=0.6,
            borderPadding=2.5 * mm,
            spaceBefore=5 * mm,
            spaceAfter=6 * mm,
        ),
        "warn": ParagraphStyle("w", fontName=FONT_NAME, fontSize=9, leading=13, textColor=colors.HexColor("#a00000")),
    }
    t = report.totals
    story = [
        Paragraph(TITLE, styles["title"]),
        Paragraph(SUBTITLE, styles["sub"]),
        Spacer(1, 3 * mm),
        Paragraph(f"対象期間 / period: {report.first} 〜 {report.last}（日本時間 / JST）", styles["p"]),
        Paragraph(
            f"イベント / event: {report.event_id or '全イベント / all events'}　｜　"
            f"端末 / terminal: {report.terminal_id}",
            styles["p"],
        ),
        Paragraph(f"作成日時 / generated: {report.generated_at}", styles["p"]),
        Paragraph(
            f"請求額（交換に使われた実証実験ポイント、1ポイント＝1円）: <b>{_n(t['claim_points'])} 円</b><br/>"
            f"Claim (experiment points used, 1 point = 1 yen): {_n(t['claim_points'])} yen, "
            f"{_n(t['used_count'])} exchanges, {_n(t['used_holders'])} holders<br/>"
            f"手数料 / fee: {_n(t['fee_points'])}　ブレカ積み増し / Breka points loaded: {_n(t['loaded_points'])}",
            styles["claim"],
        ),
    ]
    if not report.reconciled:
        story.append(
            Paragraph(
                "※ 未照合：ポイント管理クラウドに接続できず、本端末の記録だけで作成しました（発行・失効は空欄）。 / "
                "Not reconciled: made from this kiosk's records alone (issued and expired unknown).",
                styles["warn"],
            )
        )
    if report.mismatches:
        story.append(
            Paragraph(
                f"※ 端末の記録とクラウドの集計が一致しない月が {len(report.mismatches)} か月あります"
                f"（表中の赤い行）。請求前に確認してください。 / {len(report.mismatches)} month(s) "
                "where the kiosk's records and the cloud disagree (red rows): settle before claiming.",
                styles["warn"],
            )
        )
    story += [
        Paragraph("表1 発行・利用 / Table 1: issued and used", styles["h"]),
        _table1(report, mm, colors),
        KeepTogether([Paragraph("表2 失効 / Table 2: expired", styles["h"]), _table2(report, mm, colors)]),
    ]
    story.append(
        KeepTogether(
            [
                Paragraph("月別ポイント（対数目盛） / points per month, log scale", styles["h"]),
                _chart(report, mm, colors),
            ]
        )
    )
    if report.mismatches:
        story += [Paragraph("不一致の月 / months that disagree", styles["h"]), _mismatch_table(report, mm, colors)]
    story.append(
        KeepTogether(
            [Paragraph("来訪の結果（件数） / visits by outcome", styles["h"]), _visits_table(report, mm, colors)]
        )
    )
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            "人数は期間中の重複を除いた人数です。発行・失効はポイント管理クラウドの集計、利用は本端末の精算記録"
            "（発生日時の日本時間の月）によります。 / Holders are distinct over the period. Issued and expired: the "
            "point cloud's figures; used: this kiosk's signed settlement records, by JST month.",
            styles["sub"],
        ),
    ]

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.drawString(15 * mm, 9 * mm, f"{TITLE}  {report.first} 〜 {report.last}")
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"{doc.page} ページ / page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=17 * mm,
        title=TITLE,
        author="kiosk",
        subject=SUBTITLE,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out


def _style(
    rows: int, mismatched: list[int], colors: ModuleType, extra: list[tuple[Any, ...]] | None = None
) -> TableStyle:
    from reportlab.platypus import TableStyle

    commands = [
        ("FONT", (0, 0), (-1, -1), FONT_NAME, 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e9f2")),
        ("BACKGROUND", (0, rows - 1), (-1, rows - 1), colors.HexColor("#f0f0f0")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("LINEABOVE", (0, rows - 1), (-1, rows - 1), 1.0, colors.black),
    ]
    for index in mismatched:
        commands.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor(MISMATCH_BG)))
        commands.append(("TEXTCOLOR", (0, index), (-1, index), colors.HexColor("#a00000")))
    return TableStyle(commands + (extra or []))


def _table1(report: MonthlyReport, mm: float, colors: ModuleType) -> Table:
    from reportlab.platypus import Table

    head = [
        "月\nmonth",
        "発行件数\nissued",
        "発行ポイント\nissued pts",
        "発行人数\nholders",
        "利用件数\nused",
        "利用ポイント\nused pts",
        "利用人数\nholders",
        "クラウド利用\ncloud used pts",
        "照合\ncheck",
    ]
    body = [
        [
            m["month"] + (" ※" if m["mismatch"] else ""),
            _n(m["issued_count"]),
            _n(m["issued_points"]),
            _n(m["issued_holders"]),
            _n(m["used_count"]),
            _n(m["used_points"]),
            _n(m["used_holders"]),
            _n(m["cloud_used_points"]),
            "不一致 ✕" if m["mismatch"] else ("一致" if report.reconciled else "未照合"),
        ]
        for m in report.months
    ]
    t = report.totals
    total = [
        "合計 total",
        _n(t["issued_count"]),
        _n(t["issued_points"]),
        _n(t["issued_holders"]),
        _n(t["used_count"]),
        _n(t["used_points"]),
        _n(t["used_holders"]),
        _n(t["cloud_used_points"]),
        f"{t['mismatch_months']} 件" if t["mismatch_months"] else ("一致" if report.reconciled else "未照合"),
    ]
    rows = [head] + body + [total]
    mismatched = [i + 1 for i, m in enumerate(report.months) if m["mismatch"]]
    widths = [22 * mm, 16 * mm, 22 * mm, 16 * mm, 16 * mm, 22 * mm, 16 * mm, 26 * mm, 18 * mm]
    return Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        style=_style(len(rows), mismatched, colors, [("ALIGN", (-1, 1), (-1, -1), "CENTER")]),
    )


def _table2(report: MonthlyReport, mm: float, colors: ModuleType) -> Table:
    from reportlab.platypus import Table

    rows = [["月\nmonth", "失効件数\nexpired", "失効ポイント\nexpired pts", "失効人数\nholders"]]
    rows += [
        [m["month"], _n(m["expired_count"]), _n(m["expired_points"]), _n(m["expired_holders"])] for m in report.months
    ]
    t = report.totals
    rows.append(["合計 total", _n(t["expired_count"]), _n(t["expired_points"]), _n(t["expired_holders"])])
    return Table(
        rows,
        colWidths=[22 * mm, 22 * mm, 26 * mm, 22 * mm],
        repeatRows=1,
        hAlign="LEFT",
        style=_style(len(rows), [], colors),
    )


def _mismatch_table(report: MonthlyReport, mm: float, colors: ModuleType) -> Table:
    from reportlab.platypus import Table

    rows = [
        [
            "月\nmonth",
            "端末 件数/ポイント/人数\nkiosk count/pts/holders",
            "クラウド 件数/ポイント/人数\ncloud count/pts/holders",
            "差のある項目\nfields",
        ]
    ]
    for m in report.mismatches:
        k, c = m["kiosk"], m["cloud"]
        rows.append(
            [
                m["month"],
                f"{_n(k['count'])} / {_n(k['points'])} / {_n(k['holders'])}",
                f"{_n(c['count'])} / {_n(c['points'])} / {_n(c['holders'])}",
                ", ".join(m["fields"]),
            ]
        )
    style = _style(len(rows) + 1, list(range(1, len(rows))), colors, [("LINEABOVE", (0, 0), (-1, 0), 0.4, colors.grey)])
    return Table(rows, colWidths=[22 * mm, 55 * mm, 55 * mm, 40 * mm], hAlign="LEFT", style=style)


def _chart(report: MonthlyReport, mm: float, colors: ModuleType) -> Drawing:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String

    width, height = 180 * mm, 80 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 16 * mm, 10 * mm, width - 20 * mm, height - 26 * mm
    series = [  # an unreconciled report has no issued / expired figures: drawn as nothing
        [m["issued_points"] or 0 for m in report.months],
        [m["used_points"] for m in report.months],
        [m["expired_points"] or 0 for m in report.months],
    ]
    chart.data = series
    palette = [colors.HexColor("#4a78c2"), colors.HexColor("#e08a2c"), colors.HexColor("#9a9a9a")]
    for index, colour in enumerate(palette):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    chart.groupSpacing = 3
    chart.categoryAxis.categoryNames = [m["month"][2:] for m in report.months]
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.categoryAxis.labels.fontSize = 6.5 if len(report.months) <= 18 else 5
    chart.categoryAxis.labels.angle = 0 if len(report.months) <= 18 else 60
    chart.categoryAxis.labels.boxAnchor = "n" if len(report.months) <= 18 else "ne"
    # A log scale: the replay's 370,000-point month would flatten every other month on a
    # linear one. Zero has no logarithm: an empty month draws no bar.
    from reportlab.graphics.charts.axes import LogYValueAxis

    chart.data = [[v if v > 0 else None for v in s] for s in series]
    top = max([10] + [v for s in series for v in s])
    chart.valueAxis = LogYValueAxis()
    chart.valueAxis.valueMin = 1
    chart.valueAxis.valueMax = 10 ** math.ceil(math.log10(top + 1))
    chart.valueAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = lambda v: f"{int(round(v)):,}"
    for index, m in enumerate(report.months):  # mark the months that disagree
        if m["mismatch"]:
            step = chart.width / max(1, len(report.months))
            drawing.add(
                String(
                    chart.x + step * (index + 0.5),
                    chart.y + chart.height + 1.5 * mm,
                    "※",
                    fontName=FONT_NAME,
                    fontSize=8,
                    fillColor=colors.HexColor("#a00000"),
                    textAnchor="middle",
                )
            )
    drawing.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = FONT_NAME, 7.5
    legend.x, legend.y, legend.alignment = 18 * mm, height - 3 * mm, "right"
    legend.columnMaximum, legend.deltax, legend.dxTextSpace = 1, 48 * mm, 3
    legend.colorNamePairs = list(zip(palette, ["発行 issued", "利用 used", "失効 expired"]))
    drawing.add(legend)
    return drawing


def _visits_table(report: MonthlyReport, mm: float, colors: ModuleType) -> Table:
    """One row per month, one column per outcome (anonymous counts: kiosk.store.visits)."""
    from reportlab.platypus import Table

    from kiosk.store.visits import LABELS_JA, OUTCOMES

    head = ["月\nmonth"] + [
        LABELS_JA[o].replace("ポイント", "ポイント\n", 1).replace("ID設定", "ID\n設定", 1) for o in OUTCOMES
    ]
    rows = [head] + [[m["month"]] + [_n(m["visits"][o]) for o in OUTCOMES] for m in report.months]
    rows.append(["合計 total"] + [_n(report.totals["visits"][o]) for o in OUTCOMES])
    widths = [20 * mm] + [min(17.7, 159 / len(OUTCOMES)) * mm] * len(OUTCOMES)  # fits A4 as outcomes grow
    return Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", style=_style(len(rows), [], colors))
