"""Whole exchanges with the cloud across a simulated WAN (`kiosk bench --rtt-ms N`).

The simulator runs as usual; the kiosk calls it through the delaying proxy
(kiosk_demo.bench.wan_proxy). The kiosk is built as `kiosk run` builds it (the cloud
commit behind the done screen). Each phase is timed from the event to the screen it
leads to, human waits (PIN typing, card swaps) excluded: PIN submitted → amount screen,
amount → confirm (local), confirm → Breka prompt, Breka tap → done screen. The round trips
the citizen waits for are the proxy's client flights inside those windows. The My Number
tap → PIN screen is reported beside them: it makes no cloud call (the challenge comes while
the PIN is typed).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kiosk.exchange.view import Phase, View


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def _p90(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=10)[-1], 2) if len(values) > 1 else round(values[0], 2)


def run(rtt_ms: float, jitter_ms: float = 0.0, loss: float = 0.0, rounds: int = 20, warmup: int = 2) -> dict:
    from kiosk_demo.bench.wan_proxy import WanProxy
    from kiosk_demo.demo_run import running_demo

    proxies: list[WanProxy] = []

    def through_proxy(url: str) -> str:
        proxies.append(WanProxy(url, rtt_ms, jitter_ms, loss, seed=17).start())
        return proxies[0].url

    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            running_demo(Path(tmp), background_commit=True, cloud_url=through_proxy) as demo,
        ):
            proxy, engine, background = proxies[0], demo.parts.engine, demo.parts.background
            assert background is not None
            mynumber, breka = demo.mynumber("wan"), demo.breka("wan")
            demo.admin.issue(demo.admin.enrol(mynumber.state.der("auth_cert")), 100 * (rounds + warmup))
            shown: dict[Phase, float] = {}
            engine.listener = lambda view: shown.__setitem__(view.phase, time.monotonic())
            rows: list[dict] = []
            for i in range(rounds + warmup):
                row = _one(demo, engine, mynumber, breka, proxy, shown)
                background.wait_idle(30)
                if i >= warmup:
                    rows.append(row)
    finally:
        for p in proxies:
            p.stop()
    total = [r["exchange"] for r in rows]
    return {
        "wan_rtt_ms": rtt_ms,
        "wan_jitter_ms": jitter_ms,
        "wan_loss": loss,
        "exchange_wan_ms": _median(total),
        "exchange_wan_p90_ms": _p90(total),
        "tap_to_pin_ms": _median([r["tap_to_pin"] for r in rows]),  # the card only: no cloud call
        "tap_to_pin_round_trips": max(r["tap_to_pin_round_trips"] for r in rows),
        "pin_to_amount_ms": _median([r["pin_to_amount"] for r in rows]),
        "confirm_to_breka_prompt_ms": _median([r["confirm_to_breka"] for r in rows]),
        "breka_to_done_ms": _median([r["breka_to_done"] for r in rows]),
        "cloud_round_trips_critical": max(r["round_trips"] for r in rows),
        "cloud_round_trips_critical_median": statistics.median(r["round_trips"] for r in rows),
        "wan_rounds": rounds,
    }


def _expect(view: View | None, phase: Phase) -> View:
    if view is None or view.phase is not phase:
        got = "nothing" if view is None else f"{view.phase.value} ({view.problem})"
        raise RuntimeError(f"WAN bench: expected {phase.value}, got {got}")
    return view


def _one(demo, engine, mynumber, breka, proxy, shown: dict) -> dict:
    with demo.counter.card(mynumber):
        t_tap = time.monotonic()
        _expect(engine.card_tapped(), Phase.PIN)
        t_prompt_pin = shown[Phase.PIN]
        engine.wait_prefetch()  # the challenge comes while the citizen types the PIN
        t_pin = time.monotonic()
        _expect(engine.enter_pin("1234"), Phase.AMOUNT)
        t_amount = shown[Phase.AMOUNT]
    t_choose = time.monotonic()
    _expect(engine.choose_amount(100), Phase.CONFIRM)
    t_confirm = time.monotonic()
    _expect(engine.confirm(), Phase.TAP_BREKA)
    t_prompt = shown[Phase.TAP_BREKA]
    with demo.counter.card(breka):
        t_breka = time.monotonic()
        _expect(engine.card_tapped(), Phase.DONE)
        t_done = shown[Phase.DONE]
    windows = [(t_pin, t_amount), (t_choose, t_prompt), (t_breka, t_done)]
    return {
        "tap_to_pin": (t_prompt_pin - t_tap) * 1000,
        "tap_to_pin_round_trips": proxy.round_trips(t_tap, t_prompt_pin),
        "pin_to_amount": (t_amount - t_pin) * 1000,
        "confirm_to_breka": (t_prompt - t_confirm) * 1000,
        "breka_to_done": (t_done - t_breka) * 1000,
        "exchange": sum(b - a for a, b in windows) * 1000,
        "round_trips": sum(proxy.round_trips(a, b) for a, b in windows),
    }
