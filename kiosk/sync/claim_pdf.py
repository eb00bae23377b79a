"""The claim (請求書) as an A4 PDF a city office can file.

Page 1: number, issue date (令和 and Western), addressee, claimant with a seal box, the
amount claimed, what for and the period, the totals (points used = yen, fee, Breka points
loaded), the bank account, and the per-month table. Then a chart on a log scale, so a
500-point month still shows next to a 370,000-point one. 再発行 and 未照合 are stamped
in red where they apply.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, BinaryIO

from kiosk.sync.report_pdf import FONT_CANDIDATES, FONT_NAME, register_font
from kiosk.sync.wareki import wareki_month

if TYPE_CHECKING:
    from pathlib import Path

    from kiosk.sync.claim import Claim

TITLE = "請　求　書"
RED = "#b00000"


def _n(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def render(claim: Claim, out: Path | str | BinaryIO, font_candidates: tuple[str, ...] = FONT_CANDIDATES) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_font(font_candidates)
    style = {
        "title": ParagraphStyle("t", fontName=FONT_NAME, fontSize=22, leading=28, alignment=1),
        "p": ParagraphStyle("p", fontName=FONT_NAME, fontSize=9.5, leading=14),
        "right": ParagraphStyle("r", fontName=FONT_NAME, fontSize=9.5, leading=14, alignment=2),
        "to": ParagraphStyle("a", fontName=FONT_NAME, fontSize=13, leading=18),
        "h": ParagraphStyle("h", fontName=FONT_NAME, fontSize=11, leading=15, spaceBefore=4 * mm, spaceAfter=1.5 * mm),
        "amount": ParagraphStyle("m", fontName=FONT_NAME, fontSize=15, leading=21),
        "red": ParagraphStyle("x", fontName=FONT_NAME, fontSize=11, leading=15, textColor=colors.HexColor(RED)),
        "small": ParagraphStyle("s", fontName=FONT_NAME, fontSize=7.5, leading=10, textColor=colors.grey),
    }
    e, c, rep, t = claim.entry, claim.claimant, claim.report, claim.report.totals
    stamps = []
    if e.reissued:
        stamps.append(f"再発行（{e.reissues}回目） / reissued")
    if not rep.reconciled:
        stamps.append("未照合 / not yet reconciled with the point cloud")
    head = [
        Paragraph(f"請求番号 No. {e.number}", style["right"]),
        Paragraph(f"発行日 {claim.issue_date_text}", style["right"]),
    ]
    head += [Paragraph(s, ParagraphStyle("rs", parent=style["red"], alignment=2)) for s in stamps]
    seal = Table(
        [["印"]],
        colWidths=[20 * mm],
        rowHeights=[20 * mm],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT_NAME, 9),
                ("TEXTCOLOR", (0, 0), (-1, -1), colors.lightgrey),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )
    claimant = Table(
        [
            [
                [
                    Paragraph(c.address, style["p"]),
                    Paragraph(c.association, style["p"]),
                    Paragraph(c.representative, style["p"]),
                ],
                seal,
            ]
        ],
        colWidths=[100 * mm, 24 * mm],
        hAlign="RIGHT",
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
    )
    amount = Table(
        [[Paragraph("ご請求金額", style["amount"]), Paragraph(f"<b>¥{claim.amount:,}－</b>", style["amount"])]],
        colWidths=[45 * mm, 70 * mm],
        hAlign="LEFT",
        style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.2, colors.black), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]),
    )
    summary = _grid(
        [
            ["件名", "実証実験ポイント交換精算金（実証実験ポイント→ブレカポイント）"],
            ["対象期間", claim.period_text],
            ["イベント / 端末", f"{rep.event_id or '全イベント'} / {rep.terminal_id}"],
            ["交換件数", f"{_n(t['used_count'])} 件（{_n(t['used_holders'])} 人）"],
            ["利用ポイント（＝請求額）", f"{_n(t['claim_points'])} ポイント（1ポイント＝1円）"],
            ["手数料（商店街収入）", f"{_n(t['fee_points'])} ポイント"],
            ["ブレカ積み増しポイント", f"{_n(t['loaded_points'])} ポイント"],
            ["振込先", c.bank_line],
        ],
        [45 * mm, 135 * mm],
        colors,
    )
    story = [
        *head,
        Paragraph(TITLE, style["title"]),
        Paragraph("Claim for settlement", ParagraphStyle("sub", parent=style["small"], alignment=1)),
        Spacer(1, 4 * mm),
        Paragraph(f"{c.addressee}　様", style["to"]),
        Spacer(1, 2 * mm),
        claimant,
        Spacer(1, 3 * mm),
        Paragraph("下記のとおり請求します。", style["p"]),
        Spacer(1, 2 * mm),
        amount,
        Spacer(1, 4 * mm),
        summary,
    ]
    if not rep.reconciled:
        story.append(
            Paragraph(
                "※ ポイント管理クラウドに接続できなかったため、本端末の記録だけで作成しました（未照合）。"
                "送付の前にクラウドと照合して再発行してください。 / Made from this kiosk's records alone: "
                "reissue it with the cloud reachable before sending.",
                style["red"],
            )
        )
    elif rep.mismatches:
        story.append(
            Paragraph(
                f"※ 端末の記録とクラウドの集計が一致しない月が {len(rep.mismatches)} か月あります。 / "
                f"{len(rep.mismatches)} month(s) where the kiosk and the cloud disagree.",
                style["red"],
            )
        )
    story += [
        Paragraph("月別内訳 / per month", style["h"]),
        _months(claim, mm, colors),
        KeepTogether(
            [
                Paragraph("月別利用ポイント（対数目盛） / points used per month, log scale", style["h"]),
                _chart(claim, mm, colors),
            ]
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            "利用ポイントは本端末の署名つき精算記録（取消を差し引いた額、発生日時の日本時間の月）によります。"
            "照合は、ポイント管理クラウドの本端末分の利用実績との比較です。 / Used points: this kiosk's signed "
            "settlement records net of reversals, by JST month; reconciled against the cloud's figures for this "
            "terminal.",
            style["small"],
        ),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.drawString(15 * mm, 9 * mm, f"請求書 {e.number}  {c.association}")
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"{doc.page} ページ / page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out if hasattr(out, "write") else str(out),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=13 * mm,
        bottomMargin=17 * mm,
        title=f"請求書 {e.number}",
        author=c.association,
        subject="Claim for settlement",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _grid(rows: list[list[str]], widths: list[float], colors: Any) -> Any:
    from reportlab.platypus import Table, TableStyle

    return Table(
        rows,
        colWidths=widths,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT_NAME, 9),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f6")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )


def _months(claim: Claim, mm: float, colors: Any) -> Any:
    from reportlab.platypus import Table, TableStyle

    rep = claim.report
    head = ["年月", "件数", "利用ポイント\n（請求額）", "手数料", "ブレカ積み増し", "人数", "クラウド利用", "照合"]
    rows: list[list[str]] = [head]
    for m in rep.months:
        check = ("不一致 ✕" if m["mismatch"] else "一致") if rep.reconciled else "未照合"
        rows.append(
            [
                f"{wareki_month(m['month'])}\n{m['month']}",
                _n(m["used_count"]),
                _n(m["claim_points"]),
                _n(m["fee_points"]),
                _n(m["loaded_points"]),
                _n(m["used_holders"]),
                _n(m["cloud_used_points"]),
                check,
            ]
        )
    t = rep.totals
    rows.append(
        [
            "合計",
            _n(t["used_count"]),
            _n(t["claim_points"]),
            _n(t["fee_points"]),
            _n(t["loaded_points"]),
            _n(t["used_holders"]),
            _n(t["cloud_used_points"]),
            (f"{t['mismatch_months']} か月不一致" if t["mismatch_months"] else "一致") if rep.reconciled else "未照合",
        ]
    )
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT_NAME, 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e9f2")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f0f0f0")),
        ("ALIGN", (1, 1), (-2, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("LINEABOVE", (0, -1), (-1, -1), 1.0, colors.black),
    ]
    for index, m in enumerate(rep.months, start=1):
        if m["mismatch"]:
            commands.append(("TEXTCOLOR", (0, index), (-1, index), colors.HexColor(RED)))
    widths = [26 * mm, 14 * mm, 26 * mm, 20 * mm, 26 * mm, 14 * mm, 24 * mm, 24 * mm]
    return Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(commands))


def _chart(claim: Claim, mm: float, colors: Any) -> Any:
    """Bars of points used per month on a log10 scale, each labelled with its figure."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String

    months = claim.report.months
    width, height = 180 * mm, 70 * mm
    left, bottom, plot_w, plot_h = 18 * mm, 12 * mm, width - 22 * mm, height - 20 * mm
    drawing = Drawing(width, height)
    top = max([10] + [m["claim_points"] for m in months])
    decades = max(1, math.ceil(math.log10(top + 1)))

    def y(value: int) -> float:
        return bottom + plot_h * math.log10(max(value, 0) + 1) / decades

    for power in range(decades + 1):  # a grid line per power of ten: 1, 10, 100, ...
        level = bottom + plot_h * power / decades
        drawing.add(Line(left, level, left + plot_w, level, strokeColor=colors.lightgrey, strokeWidth=0.4))
        drawing.add(String(left - 2, level - 2.5, f"{10**power:,}", fontName=FONT_NAME, fontSize=6, textAnchor="end"))
    step = plot_w / max(1, len(months))
    small = len(months) > 18
    for index, m in enumerate(months):
        x = left + step * index
        value = m["claim_points"]
        colour = colors.HexColor(RED) if m["mismatch"] else colors.HexColor("#e08a2c")
        if value > 0:
            drawing.add(
                Rect(x + step * 0.15, bottom, step * 0.7, y(value) - bottom, fillColor=colour, strokeColor=None)
            )
            drawing.add(
                String(
                    x + step / 2,
                    y(value) + 1.5,
                    f"{value:,}",
                    fontName=FONT_NAME,
                    fontSize=5 if small else 6,
                    textAnchor="middle",
                )
            )
        drawing.add(
            String(
                x + step / 2,
                bottom - 8,
                m["month"][2:],
                fontName=FONT_NAME,
                fontSize=5 if small else 6.5,
                textAnchor="middle",
            )
        )
    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.black, strokeWidth=0.6))
    return drawing
