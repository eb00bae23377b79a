"""The claim to the city (請求書): who claims, the register's number, the figures, the files.

The amount claimed is the experiment points used (1 point = 1 yen), net of reversals,
summed by `report.record_amounts` like every other total. A claim is made for whole JST
months; without the cloud it is made from the kiosk's own records and marked 未照合
(not yet reconciled) — a draft the register refuses to mark sent until it is reissued
with the cloud. Files are written 0600 into the claim folder (`claim.folder`).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.rules import JST
from kiosk.sync import report as monthly
from kiosk.sync.wareki import both, wareki_month

if TYPE_CHECKING:
    from kiosk.store import Store
    from kiosk.store.claims import ClaimEntry
    from kiosk.sync.cloud import CloudClient

REQUIRED = (
    "association",
    "representative",
    "address",
    "addressee",
    "bank_name",
    "bank_branch",
    "account_number",
    "account_holder",
)
CSV_HEADERS = (
    "請求番号",
    "年月",
    "和暦",
    "交換件数",
    "利用ポイント（請求額・円）",
    "手数料ポイント",
    "ブレカ積み増しポイント",
    "利用人数",
    "クラウド利用ポイント",
    "照合",
)
FORMATS = ("pdf", "csv", "json")


class ClaimConfigError(ValueError):
    """The claim's config keys are missing: the message names them."""


@dataclass(frozen=True)
class Claimant:
    association: str
    representative: str
    address: str
    addressee: str
    bank_name: str
    bank_branch: str
    account_type: str
    account_number: str
    account_holder: str

    @classmethod
    def from_section(cls, values: dict[str, Any]) -> Claimant:
        """From the validated [claim] section; every key a city office needs must be set."""
        missing = [f"claim.{k}" for k in REQUIRED if not str(values.get(k, "")).strip()]
        if missing:
            raise ClaimConfigError(
                "請求書の設定が足りません（設定ファイルに書いてください） / the claim needs these config keys: "
                + ", ".join(missing)
            )
        return cls(*(str(values.get(k, "")) for k in cls.__dataclass_fields__))

    @property
    def bank_line(self) -> str:
        return f"{self.bank_name} {self.bank_branch} {self.account_type} {self.account_number} {self.account_holder}"


@dataclass
class Claim:
    entry: ClaimEntry
    claimant: Claimant
    report: monthly.MonthlyReport
    issued_on: date
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def amount(self) -> int:
        return int(self.report.totals["claim_points"])

    @property
    def issue_date_text(self) -> str:
        return both(self.issued_on)

    @property
    def period_text(self) -> str:
        first, last = self.report.first, self.report.last
        span = wareki_month(first) + ("" if first == last else f"〜{wareki_month(last)}")
        return f"{span}（{first}" + ("" if first == last else f"〜{last}") + "）"

    @property
    def stem(self) -> str:
        return f"claim-{self.entry.number}-{self.report.first}_{self.report.last}"


def to_csv(claim: Claim) -> bytes:
    """Japanese headers, UTF-8 with a BOM (Excel opens it as UTF-8), CRLF like Excel writes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    rep = claim.report
    check = {True: "不一致", False: "一致"}
    for m in rep.months:
        writer.writerow(
            [
                claim.entry.number,
                m["month"],
                wareki_month(m["month"]),
                m["used_count"],
                m["claim_points"],
                m["fee_points"],
                m["loaded_points"],
                m["used_holders"],
                "" if m["cloud_used_points"] is None else m["cloud_used_points"],
                check[m["mismatch"]] if rep.reconciled else "未照合",
            ]
        )
    t = rep.totals
    writer.writerow(
        [
            claim.entry.number,
            "合計",
            "",
            t["used_count"],
            t["claim_points"],
            t["fee_points"],
            t["loaded_points"],
            t["used_holders"],
            "" if t["cloud_used_points"] is None else t["cloud_used_points"],
            (check[bool(rep.mismatches)]) if rep.reconciled else "未照合",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(claim: Claim) -> bytes:
    e = claim.entry
    data = {
        "number": e.number,
        "reissue": e.reissues,
        "issued_on": claim.issued_on.isoformat(),
        "issued_on_wareki": claim.issue_date_text,
        "claimant": {k: getattr(claim.claimant, k) for k in claim.claimant.__dataclass_fields__},
        "amount_yen": claim.amount,
        "report": claim.report.as_dict(),
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_private(path: Path, data: bytes) -> Path:
    """Write a file only the kiosk's user can read (0600), replacing an older copy."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older copy may have been made with other modes
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
    finally:
        os.close(fd)
    return path


def make_claim(
    store: Store,
    client: CloudClient | None,
    section: dict[str, Any],
    first: str,
    last: str,
    *,
    folder: Path,
    event_id: str | None,
    terminal_id: str,
    clerk: str,
    formats: tuple[str, ...] = ("pdf", "csv"),
    now: datetime | None = None,
) -> Claim:
    """Build, register and write a claim for first..last; reconciled with the cloud for this
    terminal when it answers, else 未照合. Audited (who, number, period, amount)."""
    from kiosk.store import audit, claims, visits

    claimant = Claimant.from_section(section)  # before anything is registered
    if any(f not in FORMATS for f in formats):
        raise ValueError(f"formats are {', '.join(FORMATS)}")
    # What can fail before the files are written fails before the register counts an issue.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not os.access(folder, os.W_OK):
        raise OSError(f"{folder}: not writable")
    if "pdf" in formats:
        from kiosk.sync.report_pdf import register_font

        register_font()
    rep = monthly.collect(
        client,
        monthly.local_records(store, first, last),  # its months only: the outbox grows for years
        first,
        last,
        event_id,
        terminal_id,
        visits=visits.monthly(store, first, last),
        offline_ok=True,
    )
    t = rep.totals
    entry = claims.issue(
        store,
        first,
        last,
        amount=t["claim_points"],
        fee=t["fee_points"],
        loaded=t["loaded_points"],
        reconciled=rep.reconciled,
        prefix=str(section.get("number_prefix", "")),
        now=now,
    )
    claim = Claim(entry, claimant, rep, (now or datetime.now(UTC)).astimezone(JST).date())
    for fmt in formats:
        path = folder / f"{claim.stem}.{fmt}"
        if fmt == "pdf":
            from kiosk.sync.claim_pdf import render

            buffer = io.BytesIO()
            render(claim, buffer)
            claim.paths[fmt] = write_private(path, buffer.getvalue())
        else:
            claim.paths[fmt] = write_private(path, to_csv(claim) if fmt == "csv" else to_json(claim))
    audit.append(
        store,
        "clerk",
        "issue_claim",
        {
            "clerk": clerk,
            "number": entry.number,
            "from": first,
            "to": last,
            "amount": claim.amount,
            "reissue": entry.reissues,
            "reconciled": rep.reconciled,
        },
    )
    return claim
