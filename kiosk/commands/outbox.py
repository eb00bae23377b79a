"""`kiosk outbox status | flush | verify [--json]`: the signed settlement records.

status: how many records, how many the cloud accepted, took as duplicates or refused
(parked), retries and the last error, the oldest unsent one. flush: upload now (exit 1
if anything stays unsent, is parked, or the cloud's chain head disagrees). verify: check
the hash chain and every signature with the device key's public half, the chain against
the marker file and the exchanges, and name the first bad record (exit 1).
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
    v = verbs.add_parser("backup", help="データベースのバックアップ / back the kiosk database up now")
    v.set_defaults(func=run_backup)
    v = verbs.add_parser("restore", help="バックアップから復元（端末停止中に） / restore a backup (kiosk stopped)")
    v.add_argument("backup", help="a file from the backups folder beside the database")
    v.set_defaults(func=run_restore)


def run_backup(args) -> int:
    from kiosk.store import Store, StoreError, backup, expect_database

    try:
        expect_database(args.cfg.store_path)
        if not args.cfg.store_path.exists():
            raise StoreError(f"{args.cfg.store_path}: no kiosk database yet")
        with Store(args.cfg.store_path) as store:
            made = backup.backup(store)
    except (StoreError, OSError) as exc:
        print(f"kiosk outbox: バックアップできません / backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"バックアップしました / backed up to {made}")
    return 0


def run_restore(args) -> int:
    from pathlib import Path

    from kiosk.store import StoreError, backup

    try:
        seq, moved = backup.restore(Path(args.backup), args.cfg.store_path)
    except (StoreError, OSError) as exc:
        print(f"kiosk outbox: 復元できません / restore failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"復元しました（記録 {seq} 件目まで） / restored (records up to seq {seq}); "
        f"replaced file kept as {moved or '-'}"
    )
    return 0


def _outbox(cfg):
    """The outbox of the configured store, or None when the kiosk has no database yet."""
    from kiosk.store import Store, expect_database
    from kiosk.sync.outbox import Outbox

    expect_database(cfg.store_path)
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
        print(json.dumps(s.__dict__ | {"parked": s.parked}))
        return 0
    print(f"記録 / records        : {s.total:>8,}")
    print(f"未送信 / unsent       : {s.unsent:>8,}")
    print(f"受理 / accepted       : {s.accepted:>8,}")
    print(f"重複 / duplicates     : {s.duplicates:>8,}")
    print(f"保留（拒否） / parked : {s.parked:>8,}")
    print(f"再試行中 / retrying   : {s.retrying:>8,}（最多 / most attempts {s.max_attempts}）")
    print(f"最後のエラー / last error: {s.last_error or '-'}")
    print(f"最古の未送信 / oldest unsent: {s.oldest_unsent_at or '-'}")
    print(f"最終番号 / last seq   : {s.last_seq:>8,}")
    for seq, rid, code in box.parked() if box else []:
        print(f"  保留 / parked: seq {seq} {rid} {code}")
    if s.alarm:
        print(f"警報 / alarm: {s.alarm}")
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
    why = sys.stderr if args.json else sys.stdout  # --json keeps stdout one JSON document
    if summary.remaining:
        reason = summary.error or "unknown"
        print(
            f"未送信の記録が {summary.remaining:,} 件残っています（{reason}） / "
            f"{summary.remaining:,} records remain unsent ({reason})",
            file=why,
        )
        return 1
    if summary.error:
        print(f"送信を止めました / uploading stopped: {summary.error}", file=why)
        return 1
    if summary.parked:
        print(
            f"クラウドが拒否した記録が {summary.parked:,} 件保留中（kiosk outbox status） / "
            f"{summary.parked:,} records refused by the cloud are parked (kiosk outbox status)",
            file=why,
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
