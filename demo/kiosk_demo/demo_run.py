"""The demo world running: pcscd, the cloud simulator, the kiosk's parts and a virtual
counter, all from one state folder. `kiosk demo` and `kiosk demo replay` drive it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import config as config_mod
from kiosk.app import Parts, build
from kiosk.exchange.recovery import recover
from kiosk.exchange.view import Phase, View
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk_demo import pcscd
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.card_profiles import Profile
from kiosk_demo.counter import VirtualCounter
from kiosk_demo.demo_env import CloudProcess, DemoEnv, SimAdmin, reserved_points, usable_points
from kiosk_demo.demo_keyring import use_demo_keyring
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.vpcd_slots import SlotLease


class DemoError(RuntimeError):
    pass


@dataclass
class Demo:
    env: DemoEnv
    cloud: CloudProcess
    admin: SimAdmin
    parts: Parts
    counter: VirtualCounter
    cfg: config_mod.Config
    timings: dict[str, float] = field(default_factory=dict)

    def mynumber(self, name: str) -> MyNumberCard:
        return MyNumberCard.open(self.env.mynumber_card(name))

    def breka(self, name: str, balance: int = 0) -> BrekaCard:
        return BrekaCard.open(self.env.breka_card(name, balance))

    def citizen(self, points: int, top_up: int = 10_000) -> tuple[MyNumberCard, BrekaCard]:
        """The demo citizen's two cards, enrolled, with at least `points` usable points."""
        mynumber, breka = self.mynumber("citizen"), self.breka("citizen")
        mykey = self.admin.enrol(mynumber.state.der("auth_cert"))
        if self.usable(mynumber) < points:
            self.admin.issue(mykey, max(top_up, points))
        return mynumber, breka

    def citizen_with_reserved(self, points: int = 2_000, reserved: int = 3_000) -> tuple[MyNumberCard, BrekaCard]:
        """The second demo citizen: some experiment points and reserved points (留保ポイント)
        to add at the counter; reserved points are topped up when a demo has used them."""
        mynumber, breka = self.mynumber("reserved"), self.breka("reserved")
        mykey = self.admin.enrol(mynumber.state.der("auth_cert"))
        if self.usable(mynumber) < points:
            self.admin.issue(mykey, points)
        if not self.reserved(mynumber):
            self.admin.reserve(mykey, reserved)
        return mynumber, breka

    def first_timer(self, reserved: int = 3_000) -> tuple[MyNumberCard, BrekaCard]:
        """A new demo citizen (fresh cards each run) whose card has no MyKey ID yet and whose
        partner points wait in the simulator, reserved once the MyKey ID is set up."""
        name = f"first-{uuid.uuid4().hex[:8]}"
        mynumber, breka = self.mynumber(name), self.breka(name)
        if reserved:
            self.admin.reserve_waiting(mynumber.state.der("auth_cert"), reserved)
        return mynumber, breka

    def reserved(self, mynumber: MyNumberCard) -> int:
        return reserved_points(self.parts.cloud, mynumber.state)

    def usable(self, mynumber: MyNumberCard) -> int:
        """Ask the cloud as the kiosk does, signing with the virtual card's key (no PIN spent)."""
        return usable_points(self.parts.cloud, mynumber.state)


@contextmanager
def running_demo(
    state_dir: Path,
    clock: Callable | None = None,
    say: Callable[[str], None] = lambda _: None,
    event_window: tuple[str, str] | None = None,
    card_profile: Profile | None = None,
    background_commit: bool = False,
    cloud_url: Callable[[str], str] | None = None,
    prepare: Callable[[DemoEnv, config_mod.Config], None] | None = None,
) -> Iterator[Demo]:
    """Everything up; torn down (only what it started) on exit."""
    env = DemoEnv(state_dir)
    use_demo_keyring(env.keyring_path)
    lease = SlotLease()
    with ExitStack() as undo:  # torn down in reverse: parts, simulator, reader slot, pcscd
        undo.enter_context(pcscd.ensure_running(env.root / "pcscd.log", say))
        slot = lease.acquire(
            on_wait=lambda: say(
                "仮想リーダーが空くのを待っています (別のデモか試験が使用中) / waiting for a free virtual reader "
                "(another demo or test run holds both)"
            )
        )
        undo.callback(lease.release)
        say("クラウドシミュレータを起動します / starting the cloud simulator")
        cloud = env.start_cloud()
        undo.callback(cloud.stop)
        admin = env.provision(cloud.url, event_window=event_window)
        cfg = config_mod.load(env.config_path)
        cfg.values["reader"]["name"] = slot.reader
        if cloud_url is not None:  # e.g. the WAN benchmark's delaying proxy in front of the simulator
            cfg.values["cloud"]["url"] = cloud_url(cloud.url)
        if prepare is not None:  # e.g. the aged-database benchmark fills the kiosk's file first
            prepare(env, cfg)
        context = PcscContext()
        parts = build(cfg, reader=PcscReader(slot.reader, context), clock=clock, background_commit=background_commit)
        undo.callback(parts.close)
        report = recover(parts.journal, parts.finisher)
        if report.committed or report.cancelled:
            say(
                f"未完了の交換を処理しました / recovered unfinished exchanges: "
                f"{len(report.committed)} committed, {len(report.cancelled)} cancelled"
            )
        yield Demo(env, cloud, admin, parts, VirtualCounter(slot.reader, slot.port, context, card_profile), cfg)


def exchange(
    demo: Demo,
    mynumber: MyNumberCard,
    breka: BrekaCard,
    points: int,
    *,
    pin: str = "1234",
    clerk: str | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> tuple[View, dict]:
    """One exchange at the counter: My Number Card, PIN, amount, Breka card. Returns the final
    view and the timings (ms per phase) and APDU counts (per card)."""
    engine, reader = demo.parts.engine, demo.parts.reader
    ms: dict[str, float] = {}
    apdus: dict[str, int] = {}
    t0 = time.perf_counter()
    with demo.counter.card(mynumber):
        t = time.perf_counter()
        view = _expect(engine.card_tapped(), Phase.PIN)
        tap_ms = (time.perf_counter() - t) * 1000
        say(
            f"マイナンバーカード: 暗証番号の残り回数 {view.tries_left} / My Number Card: {view.tries_left} PIN tries left"
        )
        # The challenge comes while the citizen types the PIN (seconds): their time, not the engine's.
        engine.wait_prefetch()
        t = time.perf_counter()
        view = engine.enter_pin(pin)
        apdus["mynumber"] = _apdus(reader)
        ms["authenticate"] = round(tap_ms + (time.perf_counter() - t) * 1000, 2)
        _expect(view, Phase.AMOUNT)
        usable_before = view.usable
        say(f"利用できるポイント {view.usable:,} / usable points {view.usable:,}")
    t = time.perf_counter()
    view = engine.choose_amount(points, clerk=clerk)
    _expect(view, Phase.CONFIRM)
    say(
        f"交換 {view.points:,} → 手数料 {view.fee:,}、ブレカ {view.loaded:,} / "
        f"exchange {view.points:,}: fee {view.fee:,}, Breka points {view.loaded:,}"
    )
    view = engine.confirm()
    ms["hold"] = _ms(t)
    _expect(view, Phase.TAP_BREKA)
    with demo.counter.card(breka):
        t = time.perf_counter()
        tapped = engine.card_tapped()
        apdus["breka"] = _apdus(reader)
        ms["load_and_commit"] = _ms(t)
    view = _expect(tapped, Phase.DONE)
    receipt = view.receipt
    if receipt is None:
        raise DemoError("the done screen has no receipt")
    ms["total_with_card_swaps"] = _ms(t0)
    ms["total"] = round(ms["authenticate"] + ms["hold"] + ms["load_and_commit"], 2)
    say(
        f"完了: ブレカ残高 {receipt.card_balance_before:,} → {receipt.card_balance_after:,} / "
        f"done: Breka balance {receipt.card_balance_before:,} → {receipt.card_balance_after:,}"
    )
    return view, {"ms": ms, "apdus": apdus, "cloud_usable_before": usable_before}


def first_time_exchange(
    demo: Demo,
    mynumber: MyNumberCard,
    breka: BrekaCard,
    *,
    pin: str = "1234",
    say: Callable[[str], None] = lambda _: None,
) -> tuple[View, dict]:
    """A first-time citizen: My Number Card, PIN, consent to the MyKey ID, consent to the
    reserved points, all of them exchanged, Breka card (issue 18)."""
    engine = demo.parts.engine
    t0 = time.perf_counter()
    with demo.counter.card(mynumber):
        _expect(engine.card_tapped(), Phase.PIN)
        _expect(engine.enter_pin(pin), Phase.MYKEY_CONSENT)
    say("マイキーIDがありません: 同意して作成します / no MyKey ID: created with consent")
    view = _expect(engine.consent_mykey(), Phase.AMOUNT)
    say(f"留保ポイント {view.reserved:,} / reserved points {view.reserved:,}")
    if view.reserved_offer:
        _expect(engine.ask_reserved(), Phase.RESERVED)
        view = _expect(engine.assign_reserved(), Phase.AMOUNT)
    usable_before = view.usable
    view = _expect(engine.choose_amount(view.usable), Phase.CONFIRM)
    _expect(engine.confirm(), Phase.TAP_BREKA)
    with demo.counter.card(breka):
        view = _expect(engine.card_tapped(), Phase.DONE)
    if view.receipt is None:
        raise DemoError("the done screen has no receipt")
    say(f"完了: ブレカ {view.receipt.loaded:,} / done: Breka points {view.receipt.loaded:,}")
    return view, {"ms": {"total_with_card_swaps": _ms(t0)}, "apdus": {}, "cloud_usable_before": usable_before}


def _expect(view: View | None, phase: Phase) -> View:
    """`view`, which must be at `phase`; None (the engine ignored a card) is a DemoError too."""
    if view is None:
        raise DemoError(f"expected {phase.value}, got no new view")
    if view.phase is not phase:
        code = view.problem.code if view.problem else "none"
        raise DemoError(f"expected {phase.value}, got {view.phase.value} ({code})")
    return view


def _apdus(reader: PcscReader) -> int:
    """APDUs on the reader's last connection."""
    if reader.last is None:
        raise DemoError("the reader was never connected")
    return reader.last.apdus


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
