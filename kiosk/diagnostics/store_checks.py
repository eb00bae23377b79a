"""The kiosk's SQLite file: integrity and schema version, open exchanges, the outbox backlog,
and whether the clerk's and technician's PINs are set (they live in the same file).

A missing database is not an error (a new kiosk creates it at the first exchange) and is
not created here — unless the marker beside it says one existed (kiosk.store.marker):
then it is an alarm, and so is a database whose outbox ends before the marker's head.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from kiosk.diagnostics.base import CheckResult, Environment, not_checked

STALE_OPEN = timedelta(minutes=5)  # an exchange open longer than this needs a clerk
STALE_UNSENT = timedelta(hours=24)  # a record unsent longer than this: the uploader is not working
INTEGRITY_MAX_AGE = timedelta(days=7)  # an older full check (or none) is run by the doctor itself
DB_HINT = (
    "ファイルを保管して技術者へ。バックアップから復元 / keep the file for the technician and restore the latest backup"
)
JOURNAL_HINT = (
    "窓口の「未完了」一覧で、カードを戻してもらい完了するか理由を付けて取消 / on the clerk's open list: "
    "have the card put back to finish, or cancel with a reason"
)
OUTBOX_HINT = (
    "kiosk outbox flush で送信し、失敗理由を確認（cloud_* の検査も参照） / run `kiosk outbox flush` "
    "and read why it fails (see the cloud_* checks)"
)
STAFF_HINT = (
    "技術者が kiosk staff-pin set technician / clerk で6桁以上を設定 / a technician sets them (6+ digits): "
    "`kiosk staff-pin set technician` and `kiosk staff-pin set clerk`"
)
HEAD_HINT = (
    "クラウドと端末の記録が食い違っています。技術者が kiosk outbox verify で確認し市へ連絡 / the cloud's "
    "chain and this kiosk's differ: a technician runs `kiosk outbox verify` and tells the city"
)
NAMES = ("database", "journal", "outbox", "staff_pins")
TIMEOUT_HINT = DB_HINT


def budget_s(env: Environment) -> float:
    return 60.0  # integrity_check reads every page of the file


def run(env: Environment) -> list[CheckResult]:
    from kiosk.store import DatabaseLost, Store, StoreError, expect_database, marker
    from kiosk.store.migrations import MIGRATIONS

    path = env.cfg.store_path
    try:
        expect_database(path)
    except DatabaseLost as exc:
        bad = CheckResult("database", False, str(exc), DB_HINT)
        return [bad, *(not_checked(name, "database", DB_HINT) for name in NAMES[1:])]
    if not path.exists():
        ok = CheckResult(
            "database",
            True,
            f"{path} はまだありません（最初の交換で作成） / not created yet (made at the first exchange)",
        )
        return [
            ok,
            CheckResult("journal", True, "未完了なし / no open exchanges"),
            CheckResult("outbox", True, "未送信なし / nothing to send"),
            CheckResult("staff_pins", False, "係員・技術者の暗証番号が未設定 / no staff PINs set", STAFF_HINT),
        ]
    try:
        store = Store(path)
    except (StoreError, sqlite3.Error) as exc:
        bad = CheckResult("database", False, f"開けません / cannot open: {exc}", DB_HINT)
        return [bad, *(not_checked(name, "database", DB_HINT) for name in NAMES[1:])]
    try:
        try:
            verdict, checked = _integrity(store)
            version = store.schema_version
        except sqlite3.Error as exc:
            verdict, version, checked = str(exc), -1, ""
        if verdict != "ok":
            bad = CheckResult("database", False, f"{path}: 整合性エラー / integrity check failed: {verdict}", DB_HINT)
            return [bad, *(not_checked(name, "database", DB_HINT) for name in NAMES[1:])]
        cut = marker.tail_problem(path, store.outbox_head())
        if cut:
            bad = CheckResult("database", False, f"{path}: {cut}", DB_HINT)
            return [bad, *(not_checked(name, "database", DB_HINT) for name in NAMES[1:])]
        results = [
            CheckResult(
                "database",
                True,
                f"{path}: 整合性OK ({checked})・スキーマ {version}/{len(MIGRATIONS)} / "
                f"integrity ok ({checked}), schema version {version} of {len(MIGRATIONS)}",
            )
        ]
        results.append(_journal(store))
        results.append(_outbox(store, env.cfg.get("cloud", "terminal_id")))
        results.append(_staff_pins(store))
        return results
    finally:
        store.close()


def _integrity(store) -> tuple[str, str]:
    """The verdict of the full integrity check and when it ran. A years-old file takes many
    seconds to read whole, so the check of the daily backup's copy (kiosk.store.backup.
    check_copy) stands for it while it is younger than INTEGRITY_MAX_AGE; else it runs now."""
    from kiosk.store import backup

    last = backup.last_integrity(store)
    if last is not None and last["verdict"] == "ok":
        try:
            age = datetime.now(UTC) - datetime.fromisoformat(last["at"])
        except (TypeError, ValueError):
            age = INTEGRITY_MAX_AGE
        if timedelta(0) <= age < INTEGRITY_MAX_AGE:
            return "ok", f"{last['at']} のバックアップで確認 / checked on the backup of {last['at']}"
    return store.integrity_check(), "今確認 / checked now"  # read-only: the doctor notes nothing


def _journal(store) -> CheckResult:
    from kiosk.exchange.journal import Journal

    journal = Journal(store)
    now = datetime.now(UTC)
    unfinished = journal.unfinished()
    stale = [r for r in unfinished if r.age_seconds(now) > STALE_OPEN.total_seconds()]
    waiting = journal.waiting_for_card()
    text = (
        f"未完了 {len(unfinished)} 件（カード待ち {len(waiting)} 件） / {len(unfinished)} open exchanges "
        f"({len(waiting)} waiting for their card)"
    )
    if stale:
        oldest = stale[0]
        return CheckResult(
            "journal",
            False,
            f"{text}; 最古 / oldest {oldest.exchange_id} {oldest.state.value} since {oldest.created_at}",
            JOURNAL_HINT,
        )
    return CheckResult("journal", True, text)


def _outbox(store, terminal_id: str) -> CheckResult:
    from kiosk.sync.outbox import Outbox

    s = Outbox(store, terminal_id).status()
    text = (
        f"未送信 {s.unsent:,} 件・最古 {s.oldest_unsent_at or '-'}・保留 {s.parked:,} 件 / {s.unsent:,} "
        f"unsent, oldest {s.oldest_unsent_at or '-'}, {s.parked:,} parked (of {s.total:,})"
    )
    if s.alarm:
        return CheckResult("outbox", False, f"{text}; 送信停止 / uploading stopped: {s.alarm}", HEAD_HINT)
    if s.parked:
        return CheckResult(
            "outbox",
            False,
            text,
            "拒否された記録を市と確認 / settle the parked records with the city (kiosk outbox status)",
        )
    if s.oldest_unsent_at:
        age = datetime.now(UTC) - datetime.fromisoformat(s.oldest_unsent_at)
        if age > STALE_UNSENT:
            return CheckResult("outbox", False, f"{text}; {age.days} 日以上未送信 / unsent for {age}", OUTBOX_HINT)
    return CheckResult("outbox", True, text)


def _staff_pins(store) -> CheckResult:
    from kiosk.ui import staff_auth  # Qt-free: hashes in the settings table, pepper in the keyring

    staff = staff_auth.StaffAuth(store)
    states = {role: staff.pin_state(role) for role in staff_auth.ROLES}
    waits = [f"{role} {staff.seconds_to_wait(role)} s" for role in staff_auth.ROLES if staff.seconds_to_wait(role)]
    wait_text = f"; 入力待ち / next try in: {', '.join(waits)}" if waits else ""

    def roles(*wanted: str) -> list[str]:
        return [role for role, state in states.items() if state in wanted]

    if roles(staff_auth.KEYRING_FAILED):
        return CheckResult(
            "staff_pins",
            False,
            "キーリングを読めず暗証番号を確認できません / cannot check the staff PINs: the keyring failed",
            "keyring の検査を参照 / see the keyring check",
        )
    lost = roles(staff_auth.NO_PEPPER, staff_auth.WRONG_PEPPER)
    if lost:
        return CheckResult(
            "staff_pins",
            False,
            f"キーリングの暗証番号ペッパーが失われ、暗証番号が使えません / the keyring lost the staff PIN pepper "
            f"(keyring reset?); these PINs cannot be checked: {', '.join(lost)}{wait_text}",
            _reset_hint(lost),
        )
    old = roles(staff_auth.LEGACY, staff_auth.UNKNOWN)
    if old:
        return CheckResult(
            "staff_pins",
            False,
            f"旧形式（4桁可・ペッパーなし）の暗証番号、再設定が必要 / old-format PINs (maybe 4 digits, no "
            f"pepper) still work but must be re-set with 6+ digits: {', '.join(old)}{wait_text}",
            _reset_hint(old),
        )
    from kiosk.ui.staff_accounts import StaffAccounts

    accounts = StaffAccounts(store)  # a role with named accounts needs no shared PIN
    missing = [role for role in roles(staff_auth.ABSENT) if not accounts.choices(role)]
    if missing:
        return CheckResult("staff_pins", False, f"未設定 / not set: {', '.join(missing)}{wait_text}", STAFF_HINT)
    return CheckResult("staff_pins", True, f"係員・技術者とも設定済み / clerk and technician set{wait_text}")


def _reset_hint(roles: list[str]) -> str:
    commands = " / ".join(f"kiosk staff-pin set {role} --replace" for role in roles)
    return f"技術者が6桁以上で再設定 / a technician re-sets them with 6+ digits: {commands}"
