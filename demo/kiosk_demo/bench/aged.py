"""The kiosk on a database ten years old (`kiosk bench --aged N`): the same exchanges and
enqueues as on a fresh one, and what staff run on the whole history (the monthly report,
the doctor's database checks, the clerk screen), on N past exchanges filled by
kiosk_demo.bench.aged_fill. The fresh figures are taken the same way in the same run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _ms(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median of `repeat` timed calls (the first one included: staff see it cold, too)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def _db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def _figures(aged: int, rounds: int) -> dict:
    from kiosk.secrets import Secret, require_secret
    from kiosk_demo.bench.aged_fill import fill
    from kiosk_demo.bench.outbox import _enqueue
    from kiosk_demo.demo_run import exchange, running_demo

    out: dict = {}

    def prepare(env, cfg) -> None:
        t = time.perf_counter()
        args = (cfg.get("cloud", "terminal_id"), require_secret(Secret.DEVICE_KEY), cfg.get("rules", "event_id"))
        out.update(fill(cfg.store_path, aged, *args))
        out["aged_fill_s"] = round(time.perf_counter() - t, 1)
        out["db_size_mb"] = round(_db_bytes(cfg.store_path) / 2**20, 1)
        out["growth_bytes_per_exchange"] = round(_db_bytes(cfg.store_path) / aged)

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_demo(Path(tmp), background_commit=True, prepare=prepare if aged else None) as demo,
    ):
        parts = demo.parts
        mynumber, breka = demo.mynumber("aged"), demo.breka("aged")
        demo.admin.issue(demo.admin.enrol(mynumber.state.der("auth_cert")), 100 * (rounds + 3))
        times = []
        for i in range(rounds + 3):
            _, info = exchange(demo, mynumber, breka, 100)
            if parts.background is not None:
                parts.background.wait_idle(30)
            if i >= 3:
                times.append(info["ms"]["total"])
        out["exchange_ms"] = round(statistics.median(times), 2)
        from kiosk.sync.outbox import Outbox

        outbox, key = Outbox(parts.store, "bench"), os.urandom(32)
        _enqueue(parts.store, outbox, key, 20)
        enqueue = []
        for _ in range(200):
            t = time.perf_counter()
            _enqueue(parts.store, outbox, key, 1)
            enqueue.append((time.perf_counter() - t) * 1000)
        out["enqueue_ms"] = round(statistics.median(enqueue), 3)
        if aged:
            out.update(_staff_figures(demo))
    return out


def _staff_figures(demo) -> dict:
    from datetime import UTC, datetime, timedelta

    from kiosk.diagnostics import store_checks
    from kiosk.diagnostics.base import Environment
    from kiosk.exchange.recovery import alerts
    from kiosk.rules import JST
    from kiosk.sync import report
    from kiosk.ui.clerk import today_totals

    parts = demo.parts
    now = datetime.now(UTC).astimezone(JST)
    months = [(now - timedelta(days=days)).strftime("%Y-%m") for days in (31, 365 * 5)]  # last month, 5 years ago

    def monthly() -> None:
        for month in months:
            records = report.local_records(parts.store, month, month)
            report.build(records, {}, month, month, terminal_id="bench")

    def clerk_screen() -> None:  # what ClerkPage.refresh reads
        today_totals(parts.store)
        parts.outbox.status()
        parts.journal.waiting_for_card()
        alerts(parts.journal)

    from kiosk.store import backup

    env = Environment(demo.cfg)
    t = time.perf_counter()  # what `kiosk run` does at the first start of a day, off the counter
    copy = backup.backup(parts.store)
    backup_s = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    verdict = backup.check_copy(parts.store, copy)
    check_s = round(time.perf_counter() - t, 1)
    doctor = _ms(lambda: store_checks.run(env), repeat=1)
    return {
        "daily_backup_s": backup_s,
        "integrity_check_s": check_s,
        "integrity_verdict": verdict,
        "report_month_ms": round(_ms(monthly) / len(months), 2),
        "doctor_ms": doctor,
        "doctor_results": [f"{r.name}:{'ok' if r.ok else 'FAIL'}" for r in store_checks.run(env)],
        "clerk_screen_ms": _ms(clerk_screen),
    }


def run(n: int = 500_000, quick: bool = False) -> dict:
    rounds = 5 if quick else 15
    fresh = _figures(0, rounds)
    aged = _figures(n, rounds)
    return {
        **aged,
        "exchange_fresh_ms": fresh["exchange_ms"],
        "enqueue_fresh_ms": fresh["enqueue_ms"],
        "exchange_aged_ratio": round(aged["exchange_ms"] / fresh["exchange_ms"], 3),
        "enqueue_aged_ratio": round(aged["enqueue_ms"] / fresh["enqueue_ms"], 3),
    }
