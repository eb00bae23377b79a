"""Whole exchanges through the engine on the real stack: the median time without human
waits, the APDU count, and memory over a 1,000-exchange soak.

`exchange()` swaps the two virtual cards on one reader, as at the counter; the waits for
pcscd to notice a card (its ~0.4 s polling of vpcd) are human time and not in the figure.
`soak()` keeps the My Number Card in the first vpcd slot and the Breka card in the second,
and points the engine at the slot its phase needs, so 1,000 exchanges take minutes
instead of half an hour; every APDU still goes through pcscd.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kiosk.exchange.engine import ExchangeEngine
from kiosk.exchange.view import Phase
from kiosk.pcsc.reader import CountingConnection, PcscReader


def _median(rows: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 2)


def exchange(rounds: int = 30, warmup: int = 3, profile=None) -> dict:
    from kiosk_demo.demo_run import exchange as one
    from kiosk_demo.demo_run import running_demo

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_demo(Path(tmp), card_profile=profile, background_commit=True) as demo,
    ):
        mynumber, breka = demo.mynumber("bench"), demo.breka("bench")
        demo.admin.issue(demo.admin.enrol(mynumber.state.der("auth_cert")), 100 * (rounds + warmup))
        rows, apdus = [], {}
        for i in range(rounds + warmup):
            _, info = one(demo, mynumber, breka, 100)
            if demo.parts.background is not None:  # as `kiosk run`: the commit runs behind "done"
                demo.parts.background.wait_idle(30)
            if i >= warmup:
                rows.append(info["ms"])
                apdus = info["apdus"]
    return {
        "exchange_ms": _median(rows, "total"),
        "exchange_apdus": apdus["mynumber"] + apdus["breka"],
        "exchange_tap_to_amount_ms": _median(rows, "authenticate"),
        "exchange_hold_ms": _median(rows, "hold"),
        "exchange_load_commit_ms": _median(rows, "load_and_commit"),
        "exchange_p90_ms": round(statistics.quantiles([r["total"] for r in rows], n=10)[-1], 2),
        "exchange_rounds": rounds,
    }


class _PhaseReader:
    """The engine's reader for the soak: the Breka slot while it waits for the Breka card."""

    def __init__(self, mynumber: PcscReader, breka: PcscReader):
        self.readers = {"mynumber": mynumber, "breka": breka}
        self.engine: ExchangeEngine | None = None  # set once the demo's engine is built
        self.last: CountingConnection | None = None

    def connect(self) -> CountingConnection:
        if self.engine is None:
            raise RuntimeError("_PhaseReader.engine is set before the first card")
        which = "breka" if self.engine.view.phase is Phase.TAP_BREKA else "mynumber"
        self.last = self.readers[which].connect()
        return self.last

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _forget_traffic(cards, *virtual_cards) -> None:
    """The virtual cards (in this process) keep every command they saw, for the tests; the soak
    measures the kiosk, so their logs are emptied before each sample (they grew ~1.4 KB per
    exchange: all of the growth a 5,000-exchange soak showed under tracemalloc)."""
    for card in virtual_cards:
        card.received.clear()
    for holder in cards:
        shaper = getattr(holder.link, "shaper", None)
        if shaper is not None:
            shaper.busy_log.clear()


def soak(exchanges: int = 1000, sample_every: int = 100, profile=None) -> dict:
    from kiosk.pcsc.context import PcscContext
    from kiosk.pcsc.reader import wait_for_card
    from kiosk_demo.demo_run import running_demo
    from kiosk_demo.vpcd import CardInReader
    from kiosk_demo.vpcd_slots import SlotLease

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_demo(Path(tmp), card_profile=profile) as demo,
        SlotLease() as other,
    ):
        mynumber, breka = demo.mynumber("soak"), demo.breka("soak")
        demo.admin.issue(demo.admin.enrol(mynumber.state.der("auth_cert")), 100 * exchanges)
        context = PcscContext()
        first = demo.counter.reader
        reader = _PhaseReader(PcscReader(first, context), PcscReader(other.reader, context))
        engine = demo.parts.engine
        engine.reader, reader.engine = reader, engine
        cards = [
            CardInReader(mynumber, demo.counter.port, profile=profile).insert(),
            CardInReader(breka, other.port, profile=profile).insert(),
        ]
        try:
            for name in (first, other.reader):
                if not wait_for_card(context, name, present=True, timeout=10):
                    raise RuntimeError(f"{name}: card not seen")
            samples, times = [], []
            for i in range(1, exchanges + 1):
                t = time.perf_counter()
                engine.card_tapped()
                engine.enter_pin("1234")
                engine.choose_amount(100)
                engine.confirm()
                view = engine.card_tapped()
                if view is None:
                    raise RuntimeError(f"exchange {i}: the engine did not act on the Breka card")
                if view.phase is not Phase.DONE:
                    raise RuntimeError(f"exchange {i} ended {view.phase.value}: {view.problem}")
                times.append((time.perf_counter() - t) * 1000)
                if i % sample_every == 0:
                    _forget_traffic(cards, mynumber, breka)
                    samples.append(rss_mb())
        finally:
            for card in cards:
                card.remove()
    warm = samples[0]
    return {
        "soak_rss_mb": samples[-1],
        "soak_rss_warm_mb": warm,
        "soak_rss_growth_mb": round(samples[-1] - warm, 1),
        "soak_rss_samples_mb": samples,
        "soak_exchanges": exchanges,
        "soak_exchange_ms": round(statistics.median(times), 2),
    }
