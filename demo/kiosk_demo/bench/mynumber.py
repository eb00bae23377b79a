"""Benchmark: the kiosk's My Number flow over the real pcscd and vpcd, on a virtual card.

`python -m kiosk_demo.bench.mynumber [--port N] [--rounds 50]` (pcscd with vsmartcard-vpcd must
run; without --port a free vpcd slot is leased). `run()` returns the figures for `kiosk bench`:
  identify_sign_ms      median of identify + certificate + tries + VERIFY + sign on a
                        connected card (what the holder waits for after the PIN pad)
  identify_sign_apdus   APDUs of that flow (target: at most 16)
  identify_sign_p90_ms  90th percentile of the same
  tap_ms                median including SCardConnect and the power-down disconnect
  per_apdu_ms           identify_sign_ms / identify_sign_apdus
The virtual card signs with the `cryptography` RSA-2048 key (about 1-2 ms of the total).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from kiosk.cardio.identify import CardKind, identify
from kiosk.pcsc.context import PcscContext
from kiosk_demo.bench import wait_present
from kiosk_demo.jpki_ca import TestJpkiCa
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import issue_card
from kiosk_demo.vpcd import CardInReader
from kiosk_demo.vpcd_slots import SlotLease

TARGET_APDUS, TARGET_MS = 16, 30.0
PIN = "1234"


def _flow(conn) -> None:
    ident = identify(conn)
    if ident.kind is not CardKind.MYNUMBER:
        raise RuntimeError(f"the virtual card was identified as {ident.kind.value}")
    session = ident.session
    if session is None:
        raise RuntimeError("the virtual card was identified as a My Number Card without a session")
    session.read_auth_certificate()
    session.tries_left()
    session.verify_pin(PIN)
    session.sign_challenge(b"benchmark challenge")


def run(port: int | None = None, reader: str | None = None, rounds: int = 50, profile=None) -> dict:
    """Measure `rounds` flows; returns the figures (see the module doc)."""
    with ExitStack() as stack:
        if port is None:
            lease = SlotLease()
            slot = lease.acquire()
            stack.callback(lease.release)
            port, reader = slot.port, slot.reader
        reader = reader or f"Virtual PCD 00 {port - 35963:02d}"
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-mynumber-")))
        state = issue_card(TestJpkiCa.open(directory / "jpki-ca"), PIN)
        state.save(directory / "card.json")
        card = MyNumberCard.open(directory / "card.json")
        ctx = stack.enter_context(PcscContext())
        wait_present(ctx, reader, False)
        holder = CardInReader(card, port, profile=profile).insert()

        def take_away() -> None:
            holder.remove()
            wait_present(ctx, reader, False)

        stack.callback(take_away)
        wait_present(ctx, reader, True)

        flow_ms, tap_ms, apdus = [], [], set()
        for i in range(rounds + 1):  # the first round warms caches and is not counted
            t0 = time.perf_counter()
            conn = ctx.connect(reader)
            before = len(card.received)
            t1 = time.perf_counter()
            _flow(conn)
            t2 = time.perf_counter()
            conn.close()
            t3 = time.perf_counter()
            if i:
                flow_ms.append((t2 - t1) * 1000)
                tap_ms.append((t3 - t0) * 1000)
                apdus.add(len(card.received) - before)
    if len(apdus) != 1:
        raise RuntimeError(f"the flow's APDU count varied: {sorted(apdus)}")
    (count,) = apdus
    median = statistics.median(flow_ms)
    return {
        "identify_sign_ms": round(median, 2),
        "identify_sign_apdus": count,
        "identify_sign_p90_ms": round(statistics.quantiles(flow_ms, n=10)[-1], 2),
        "tap_ms": round(statistics.median(tap_ms), 2),
        "per_apdu_ms": round(median / count, 3),
        "rounds": rounds,
        "targets": {"identify_sign_apdus": TARGET_APDUS, "identify_sign_ms": TARGET_MS},
        "within_targets": count <= TARGET_APDUS and median < TARGET_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk_demo.bench.mynumber", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, help="vpcd port (default: lease a free slot)")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    figures = run(args.port, rounds=args.rounds)
    print(json.dumps(figures, indent=2))
    return 0 if figures["within_targets"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
