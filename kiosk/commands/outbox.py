"""`kiosk outbox status | flush | verify [--json]`: the signed settlement records.

status: how many records, how many the cloud accepted, took as duplicates or rejected,
the oldest unsent one. flush: upload now (exit 1 if anything stays unsent). verify:
check the hash chain and every signature with the device key's public half and name
the first bad record (exit 1).
"""

from __future__ import annotations

import json
import sys

VERBS = {
    "status": "送信状況 / counts of sent and unsent records",
    "flush": "今すぐ送信 / upload every unsent record now",
    "verify": "改ざん・欠落の検査 / check the chain and the signatures",
}


def add_parser(sub) -> None:
    p = sub.add_parser("outbox", help="精算記録の送信キュー / settlement record outbox")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name, text in VERBS.items():
        v = verbs.add_parser(name, help=text)
        v.add_argument("--json", action="store_true", help="machine-readable output")
        v.set_defaults(func=run)


def _outbox(cfg):
    """The outbox of the configured store, or None when the kiosk has no database yet."""
    from kiosk.store import Store
    from kiosk.sync.outbox import Outbox

    if not cfg.store_path.exists():
        return None
    return Outbox(Store(cfg.store_path), cfg.get("cloud", "terminal_id"))


def run(args) -> int:
    from kiosk.secrets import SecretError
    from kiosk.store import StoreError

    try:
        box = _outbox(args.cfg)
    except StoreError as exc:
        print(f"データベースを開けません / cannot open the kiosk database: {exc}", file=sys.stderr)
        return 1
    try:
        return {"status": _status, "flush": _flush, "verify": _verify}[args.verb](args, box)
    except SecretError as exc:
        print(f"鍵が使えません / a secret is not available: {exc}", file=sys.stderr)
        return 2
    finally:
        if box is not None:
            box.store.close()


def _status(args, box) -> int:
    from kiosk.sync.outbox import OutboxStatus

    s = box.status() if box else OutboxStatus(0, 0, 0, 0, 0, None, 0)
    if args.json:
        print(json.dumps(s.__dict__))
        return 0
    print(f"記録 / records        : {s.total:>8,}")
    print(f"未送信 / unsent       : {s.unsent:>8,}")
    print(f"受理 / accepted       : {s.accepted:>8,}")
    print(f"重複 / duplicates     : {s.duplicates:>8,}")
    print(f"拒否 / rejected       : {s.rejected:>8,}")
    print(f"最古の未送信 / oldest unsent: {s.oldest_unsent_at or '-'}")
    print(f"最終番号 / last seq   : {s.last_seq:>8,}")
    return 0


def _flush(args, box) -> int:
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.uploader import Uploader, UploadSummary

    if box is None:
        summary = UploadSummary()
    else:
        client = CloudClient.from_config(args.cfg)
        try:
            summary = Uploader(box, client, attempts=4, base_delay_s=0.5, max_delay_s=5.0).upload_once()
        finally:
            client.close()
    if args.json:
        print(json.dumps(summary.as_dict()))
    else:
        print(
            f"送信 {summary.sent:,} 件（受理 {summary.accepted:,}・重複 {summary.duplicates:,}・"
            f"拒否 {len(summary.rejected):,}）、未送信 {summary.remaining:,} 件 / sent {summary.sent:,} "
            f"(accepted {summary.accepted:,}, duplicates {summary.duplicates:,}, "
            f"rejected {len(summary.rejected):,}), "
            f"unsent {summary.remaining:,}"
        )
    if summary.remaining:
        reason = summary.error or "unknown"
        print(
            f"未送信の記録が {summary.remaining:,} 件残っています（{reason}） / "
            f"{summary.remaining:,} records remain unsent ({reason})"
        )
        return 1
    if summary.rejected:
        rid, code = summary.rejected[0]
        print(
            f"クラウドが {len(summary.rejected):,} 件を拒否しました（最初: {rid} {code}） / "
            f"the cloud rejected {len(summary.rejected):,} records (first: {rid} {code})"
        )
        return 1
    return 0


def _verify(args, box) -> int:
    from kiosk.secrets import Secret, require_secret
    from kiosk.sync.settlement_record import public_key_bytes

    public = public_key_bytes(require_secret(Secret.DEVICE_KEY))
    faults = box.verify(public) if box else []
    total = box.status().total if box else 0
    first = faults[0] if faults else None
    if args.json:
        print(
            json.dumps(
                {
                    "ok": first is None,
                    "records": total,
                    "first": first
                    and {"seq": first.seq, "record_id": first.record_id, "code": first.code, "message": first.message},
                    "faults": [{"seq": f.seq, "record_id": f.record_id, "code": f.code} for f in faults],
                }
            )
        )
    elif first is None:
        print(f"検査済み {total:,} 件: 改ざん・欠落なし / {total:,} records verified: chain and signatures intact")
    else:
        print(
            f"不正な記録 / bad record: seq {first.seq}, record {first.record_id}, {first.code} "
            f"({len(faults)} 件の問題 / problems; {first.message})"
        )
    return 0 if first is None else 1
