"""Benchmark: one Breka load over the real pcscd and vpcd, on a virtual Breka card.

`python -m kiosk_demo.bench.breka [--port 35963] [--loads 50]` (pcscd with vsmartcard-vpcd
must run and the slot be free). `run()` returns the figures for `kiosk bench`:
  breka_load_ms      median of open_for_load + load (UID … commit) on a connected card
  breka_load_apdus   APDUs of the slowest-counted load (the log needs 2 frames once full)
  breka_tap_ms       median including SCardConnect and the power-down disconnect
  breka_load_ms_card_in_memory  the same with the card not saving its state (no fsync):
                     what the kiosk and the PC/SC stack cost without the emulator's disk
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from kiosk.cardio.breka_load import PendingLoad, load, open_for_load
from kiosk.pcsc.context import PcscContext
from kiosk_demo.bench import wait_present
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
from kiosk_demo.breka_state import issue_breka_card
from kiosk_demo.vpcd import DEFAULT_PORT, CardInReader

TARGET_APDUS, TARGET_MS = 12, 20.0


class _ForgetfulJournal:
    """Benchmark only: a load needs a journal; this one keeps nothing (never pending)."""

    def pending_loads(self, card_uid: bytes) -> list[PendingLoad]:
        return []

    def record_intent(self, load_id, card_uid, amount, balance_before, log_anchor=None) -> None:
        pass

    def mark_loaded(self, load_id, balance_after) -> None:
        pass

    def mark_not_happened(self, load_id) -> None:
        pass


def _measure(ctx: PcscContext, reader: str, port: int, card: BrekaCard, loads: int, amount: int, profile=None) -> dict:
    master, journal = DEMO_MASTER_KEYS[1], _ForgetfulJournal()
    load_ms, tap_ms, apdus = [], [], []
    holder = CardInReader(card, port, profile=profile).insert()
    try:
        wait_present(ctx, reader, True)
        for _ in range(loads):
            t0 = time.perf_counter()
            conn = ctx.connect(reader)
            t1 = time.perf_counter()
            session = open_for_load(conn, master)
            load(session, uuid.uuid4(), amount, journal)
            t2 = time.perf_counter()
            conn.close()
            t3 = time.perf_counter()
            load_ms.append((t2 - t1) * 1000)
            tap_ms.append((t3 - t0) * 1000)
            apdus.append(session.apdu_count)
    finally:
        holder.remove()
        wait_present(ctx, reader, False)
    return {
        "load_ms": statistics.median(load_ms),
        "p90": statistics.quantiles(load_ms, n=10)[-1],
        "tap_ms": statistics.median(tap_ms),
        "apdus_max": max(apdus),
        "apdus_min": min(apdus),
    }


def run(port: int = DEFAULT_PORT, loads: int = 50, amount: int = 455, profile=None) -> dict:
    """Time `loads` loads on a card that saves its state (fsync) at every commit, as the
    emulator does, then on the same card kept in memory only (the kiosk's own cost)."""
    reader = f"Virtual PCD 00 {port - DEFAULT_PORT:02d}"
    loads = max(loads, 10)
    with tempfile.TemporaryDirectory() as tmp, PcscContext() as ctx:
        path = Path(tmp) / "bench-card.json"
        issue_breka_card(path, DEMO_MASTER_KEYS, balance=0)
        saved = _measure(ctx, reader, port, BrekaCard.open(path), loads, amount, profile)
        in_memory = _measure(ctx, reader, port, BrekaCard(BrekaCard.open(path).state), loads, amount, profile)
    return {
        "breka_load_ms": round(saved["load_ms"], 3),
        "breka_load_ms_p90": round(saved["p90"], 3),
        "breka_load_apdus": max(saved["apdus_max"], in_memory["apdus_max"]),
        "breka_load_apdus_min": min(saved["apdus_min"], in_memory["apdus_min"]),
        "breka_tap_ms": round(saved["tap_ms"], 3),
        "breka_load_ms_card_in_memory": round(in_memory["load_ms"], 3),
        "loads": loads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk_demo.bench.breka", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="vpcd slot port (35963, 35964)")
    parser.add_argument("--loads", type=int, default=50, help="loads to time (default 50)")
    args = parser.parse_args(argv)
    figures = run(args.port, args.loads)
    print(json.dumps(figures, indent=1))
    ok = figures["breka_load_apdus"] <= TARGET_APDUS and figures["breka_load_ms"] < TARGET_MS
    print(f"target: ≤{TARGET_APDUS} APDUs and <{TARGET_MS:g} ms — {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
