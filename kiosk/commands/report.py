"""`kiosk report monthly --from YYYY-MM --to YYYY-MM [--format csv|json|pdf] [--out FILE]`.

The street's monthly claim to the city: Table 1 (issued / used) and Table 2 (expired)
per JST month, the kiosk's own records checked against the cloud's figures.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="月次精算報告 / monthly settlement report (the claim to the city)")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    m = kinds.add_parser("monthly", help="月別の発行・利用・失効 / issued, used, expired per month")
    m.add_argument("--from", dest="first", required=True, metavar="YYYY-MM", help="first month (JST)")
    m.add_argument("--to", dest="last", required=True, metavar="YYYY-MM", help="last month (JST)")
    m.add_argument("--format", choices=["csv", "json", "pdf"], default="csv", help="output format (default csv)")
    m.add_argument("--out", metavar="FILE", help="write here (required for pdf; default: standard output)")
    m.set_defaults(func=run)


def run(args) -> int:
    from kiosk.cli import UsageError
    from kiosk.sync.report import MonthError, months_between

    try:
        months_between(args.first, args.last)
    except MonthError as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "pdf" and not args.out:
        raise UsageError("PDF は --out FILE で出力先を指定してください / give --out FILE for a PDF")
    from kiosk.secrets import SecretError
    from kiosk.store import Store, StoreError
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.cloud_errors import CloudError
    from kiosk.sync.report import collect, local_records, to_csv, to_json

    cfg = args.cfg
    try:
        client = CloudClient.from_config(cfg)
    except SecretError as exc:
        print(f"鍵が使えません / a secret is not available: {exc}", file=sys.stderr)
        return 2
    try:
        store = Store(cfg.store_path) if cfg.store_path.exists() else None
    except StoreError as exc:
        client.close()
        print(f"データベースを開けません / cannot open the kiosk database: {exc}", file=sys.stderr)
        return 1
    try:
        records = local_records(store, args.first, args.last) if store else []
        report = collect(
            client, records, args.first, args.last, cfg.get("rules", "event_id"), cfg.get("cloud", "terminal_id")
        )
    except CloudError as exc:
        print(
            f"クラウドの集計を取得できません / cannot get the cloud's monthly figures: {exc.code}: {exc}",
            file=sys.stderr,
        )
        return 1
    finally:
        client.close()
        if store is not None:
            store.close()
    if args.format == "pdf":
        from kiosk.sync.report_pdf import FontMissing, render

        try:
            render(report, Path(args.out))
        except FontMissing as exc:
            print(str(exc), file=sys.stderr)
            return 1
    else:
        text = to_csv(report) if args.format == "csv" else to_json(report)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    if report.mismatches:
        months = ", ".join(m["month"] for m in report.mismatches)
        print(
            f"注意: 端末とクラウドの利用実績が一致しない月 {months} / "
            f"warning: the kiosk's and the cloud's used figures differ in {months}",
            file=sys.stderr,
        )
    return 0
