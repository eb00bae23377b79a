"""`kiosk report monthly|claim|claims|claim-mark`: the street's books for the city.

- `monthly --from YYYY-MM --to YYYY-MM [--format csv|json|pdf] [--out FILE]`: Table 1
  (issued / used) and Table 2 (expired) per JST month, fee, loaded and visit counts; the
  kiosk's own records checked against the cloud's figures for this terminal.
- `claim --from YYYY-MM --to YYYY-MM --clerk NAME [--format pdf,csv,json] [--folder DIR]`:
  the claim (請求書), registered (a period claimed before keeps its number: 再発行).
- `claims`: the register; `claim-mark NUMBER sent|paid [--on YYYY-MM-DD] --clerk NAME`.

Without the cloud, monthly and claim are made from the kiosk's records and marked 未照合.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="月次精算報告と請求書 / monthly report and the claim to the city")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    m = kinds.add_parser("monthly", help="月別の発行・利用・失効 / issued, used, expired per month")
    _period(m)
    m.add_argument("--format", choices=["csv", "json", "pdf"], default="csv", help="output format (default csv)")
    m.add_argument("--out", metavar="FILE", help="write here (required for pdf; default: standard output)")
    m.set_defaults(func=run)
    c = kinds.add_parser("claim", help="請求書を作る / make (or reissue) the claim for whole months")
    _period(c)
    c.add_argument("--clerk", required=True, help="the clerk's name (audited)")
    c.add_argument("--format", default="pdf,csv", help="comma-separated: pdf, csv, json (default pdf,csv)")
    c.add_argument("--folder", metavar="DIR", help="write here (default: config claim.folder)")
    c.set_defaults(func=run_claim)
    r = kinds.add_parser("claims", help="請求の台帳 / the claim register")
    r.set_defaults(func=run_register)
    k = kinds.add_parser("claim-mark", help="請求を送付済み・入金済みにする / mark a claim sent or paid")
    k.add_argument("number", help="the claim number")
    k.add_argument("what", choices=["sent", "paid"])
    k.add_argument("--on", metavar="YYYY-MM-DD", help="the day (default today, JST)")
    k.add_argument("--clerk", required=True, help="the clerk's name (audited)")
    k.set_defaults(func=run_mark)


def _period(p) -> None:
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM", help="first month (JST)")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM", help="last month (JST)")


def _check_period(args) -> None:
    from kiosk.cli import UsageError
    from kiosk.sync.report import MonthError, months_between

    try:
        months_between(args.first, args.last)
    except MonthError as exc:
        raise UsageError(str(exc)) from exc


def _clerk(args) -> str:
    from kiosk.cli import UsageError

    name = (args.clerk or "").strip()
    if not name or not name.isprintable() or len(name) > 64:
        raise UsageError("係員の名前を --clerk で指定してください / give the clerk's name with --clerk")
    return name


def _warn_unreconciled(report) -> None:
    if not report.reconciled:
        print(
            "注意: クラウドに接続できないため、端末の記録だけで作成しました（未照合） / "
            "warning: the cloud could not be reached; made from the kiosk's records alone (not reconciled)",
            file=sys.stderr,
        )


def run(args) -> int:
    from kiosk.cli import UsageError

    _check_period(args)
    if args.format == "pdf" and not args.out:
        raise UsageError("PDF は --out FILE で出力先を指定してください / give --out FILE for a PDF")
    from kiosk.secrets import SecretError
    from kiosk.store import Store, StoreError, visits
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
        counts = visits.monthly(store, args.first, args.last) if store else {}
        report = collect(
            client,
            records,
            args.first,
            args.last,
            cfg.get("rules", "event_id"),
            cfg.get("cloud", "terminal_id"),
            visits=counts,
            offline_ok=True,
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
    _warn_unreconciled(report)
    if report.mismatches:
        months = ", ".join(m["month"] for m in report.mismatches)
        print(
            f"注意: 端末とクラウドの利用実績が一致しない月 {months} / "
            f"warning: the kiosk's and the cloud's used figures differ in {months}",
            file=sys.stderr,
        )
    return 0


def _open_store(cfg):
    from kiosk.store import Store, StoreError

    if not cfg.store_path.exists():
        print(f"データベースがありません / no kiosk database at {cfg.store_path}", file=sys.stderr)
        return None
    try:
        return Store(cfg.store_path)
    except StoreError as exc:
        print(f"データベースを開けません / cannot open the kiosk database: {exc}", file=sys.stderr)
        return None


def run_claim(args) -> int:
    from kiosk.cli import UsageError
    from kiosk.sync.claim import FORMATS

    _check_period(args)
    clerk = _clerk(args)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    if not formats or any(f not in FORMATS for f in formats):
        raise UsageError(
            f"--format は {', '.join(FORMATS)} から / --format takes {', '.join(FORMATS)}, comma-separated"
        )
    from kiosk.secrets import SecretError
    from kiosk.store.claims import ClaimRegisterError
    from kiosk.sync.claim import ClaimConfigError, make_claim
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.cloud_errors import CloudError
    from kiosk.sync.report_pdf import FontMissing

    cfg = args.cfg
    store = _open_store(cfg)
    if store is None:
        return 1
    try:
        client = CloudClient.from_config(cfg)
    except SecretError as exc:  # no terminal secret: the claim can still be made, unreconciled
        print(f"鍵が使えません / a secret is not available: {exc}", file=sys.stderr)
        client = None
    try:
        claim = make_claim(
            store,
            client,
            cfg.section("claim"),
            args.first,
            args.last,
            folder=Path(args.folder) if args.folder else cfg.claim_folder,
            event_id=cfg.get("rules", "event_id"),
            terminal_id=cfg.get("cloud", "terminal_id"),
            clerk=clerk,
            formats=formats,
        )
    except (ClaimConfigError, ClaimRegisterError, FontMissing) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except CloudError as exc:
        print(f"クラウドが照合を断りました / the cloud refused the figures: {exc.code}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"書き込めません / cannot write the claim: {exc}", file=sys.stderr)
        return 1
    finally:
        if client is not None:
            client.close()
        store.close()
    e = claim.entry
    mark = "（再発行）" if e.reissued else ""
    print(f"請求番号 {e.number}{mark} {claim.period_text} ¥{claim.amount:,}")
    for path in claim.paths.values():
        print(path)
    _warn_unreconciled(claim.report)
    if claim.report.mismatches:
        print("注意: 端末とクラウドの利用実績が一致しない月があります / warning: months disagree", file=sys.stderr)
    return 0


def run_register(args) -> int:
    from kiosk.store.claims import entries

    store = _open_store(args.cfg)
    if store is None:
        return 1
    try:
        rows = entries(store)
    finally:
        store.close()
    print("number\tfrom\tto\tamount\tfee\tloaded\treconciled\tissued_at\treissues\tsent_on\tpaid_on")
    for e in rows:
        print(
            "\t".join(
                str(v if v is not None else "")
                for v in (
                    e.number,
                    e.first_month,
                    e.last_month,
                    e.amount,
                    e.fee,
                    e.loaded,
                    "yes" if e.reconciled else "no",
                    e.issued_at,
                    e.reissues,
                    e.sent_on,
                    e.paid_on,
                )
            )
        )
    return 0


def run_mark(args) -> int:
    from kiosk.store import audit
    from kiosk.store.claims import ClaimRegisterError, mark

    clerk = _clerk(args)
    store = _open_store(args.cfg)
    if store is None:
        return 1
    try:
        entry = mark(store, args.number, args.what, args.on)
        audit.append(
            store,
            "clerk",
            f"claim_{args.what}",
            {"clerk": clerk, "number": entry.number, "on": entry.sent_on if args.what == "sent" else entry.paid_on},
        )
    except ClaimRegisterError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{entry.number}: {entry.status} (sent {entry.sent_on or '-'}, paid {entry.paid_on or '-'})")
    return 0
