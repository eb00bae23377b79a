"""The real world for exchange tests: pcscd + vpcd with the virtual cards swapped on one
reader, the cloud simulator as a server process, the kiosk's SQLite file, the test keyring."""

from __future__ import annotations

import uuid
from pathlib import Path

import keyring
import pytest

from kiosk import config as config_mod
from kiosk.app import build
from kiosk.exchange.steps import Step
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk.sync.cloud import CloudClient
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.counter import VirtualCounter
from kiosk_demo.demo_env import DemoEnv, holder_balance
from kiosk_demo.demo_keyring import DemoFileKeyring
from kiosk_demo.mynumber_card import MyNumberCard


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("world")


@pytest.fixture(scope="module")
def cloud(world_dir):
    env = DemoEnv(world_dir)
    proc = env.start_cloud()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def module_world(request, world_dir, cloud, vpcd_slot):
    """One kiosk for a whole module of fault tests (building one per test costs seconds); its
    cloud timeout is the module's CLOUD_TIMEOUT_S (default 1 s: injected faults answer fast)."""
    w = World(world_dir, cloud.url, vpcd_slot, timeout_s=getattr(request.module, "CLOUD_TIMEOUT_S", 1))
    yield w
    w.close()


@pytest.fixture
def faulty_world(module_world):
    """The module's kiosk with its keyring in place; afterwards the simulator's faults are
    cleared and the engine reset, so a failed test leaves no exchange open for the next."""
    module_world.use_keyring()
    yield module_world
    module_world.admin.clear_faults()
    module_world.engine.reset()


class World:
    """One kiosk (its own terminal, SQLite file and demo keyring file) in a shared cloud."""

    def __init__(
        self,
        root: Path,
        cloud_url: str,
        slot,
        timeout_s: int = 5,
        ca_bundle: str | None = None,
        background_commit: bool = False,
        profile=None,
    ):
        self.profile = profile  # kiosk_demo.card_profiles.Profile the cards are served with (None: ideal)
        self.env = DemoEnv(root)
        self.use_keyring()
        self.admin = self.env.provision(cloud_url, terminal_id=f"t-{uuid.uuid4().hex[:8]}", ca_bundle=ca_bundle)
        self.slot = slot
        self.ctx = PcscContext()
        self.cfg = config_mod.load(self.env.config_path)
        self.cfg.values["reader"]["name"] = slot.reader
        self.cfg.values["cloud"]["timeout_s"] = timeout_s
        # The file too: CLI verbs run against this folder must use this session's reader slot.
        self.env.config_path.write_text(config_mod.render_toml(self.cfg.values), encoding="utf-8")
        self.parts = build(self.cfg, reader=PcscReader(slot.reader, self.ctx), background_commit=background_commit)
        self.engine = self.parts.engine

    def use_keyring(self) -> None:
        """The kiosk's secrets live in the world's demo keyring file (tests restore theirs)."""
        keyring.set_keyring(DemoFileKeyring(self.env.keyring_path))

    def citizen(self, name: str, points: int = 10_000, breka_balance: int = 0):
        mn = self.env.mynumber_card(name)
        br = self.env.breka_card(name, breka_balance)
        mykey = self.admin.enrol(self.env.auth_cert_der(mn))
        if points:
            self.admin.issue(mykey, points)
        return MyNumberCard.open(mn), BrekaCard.open(br), mykey

    def on_reader(self, card, **insert_args):
        insert_args.setdefault("profile", self.profile)
        return on_reader(card, self.slot, self.ctx, **insert_args)

    def client(self) -> CloudClient:
        return CloudClient.from_config(self.cfg, backoff_s=0.01)

    def balance(self, mynumber: MyNumberCard) -> dict:
        """The holder's balance, asked the way the kiosk asks (signature by the card's key)."""
        client = self.client()
        try:
            return holder_balance(client, mynumber.state)
        finally:
            client.close()

    def usable(self, mynumber: MyNumberCard) -> int:
        return int(self.balance(mynumber)["usable"])

    def close(self) -> None:
        self.parts.close()


def on_reader(card, slot, ctx: PcscContext, **insert_args):
    """The card in the slot's reader, seen present, for the block (see kiosk_demo.counter)."""
    return VirtualCounter(slot.reader, slot.port, ctx).card(card, **insert_args)


def loads_elsewhere(world: World, breka: BrekaCard, count: int = 10, amount: int = 1) -> None:
    """Another terminal (its own journal) loads the card `count` times over the same pcscd: ten
    push every older record out of the card's 10-entry log."""
    from kiosk.cardio.breka_load import load, open_for_load
    from kiosk_demo.breka_demo_keys import DEMO_MASTER_KEYS
    from tests.breka_doubles import MemoryJournal

    with world.on_reader(breka):
        conn = world.ctx.connect(world.slot.reader)
        try:
            card = open_for_load(conn, DEMO_MASTER_KEYS[1])
            for _ in range(count):
                load(card, uuid.uuid4(), amount, MemoryJournal())
        finally:
            conn.close()


def breka_balance(card: BrekaCard) -> int:
    """The committed balance in the card's state (what a shop terminal would read)."""
    from kiosk.cardio.breka import AID, VALUE_FILE

    return card.state.applications[AID].files[VALUE_FILE].value


COMMIT_APDU = 11  # of a Breka load: identify (2), UID, select, authenticate (2), log, balance, credit, record, commit


def interrupted_load(world: World, name: str, remove_after: int = COMMIT_APDU, remove_mode: str = "before"):
    """A new citizen (1,000 points) exchanges 500; the Breka card leaves at APDU `remove_after`
    (before or after acting on it): the screen asks for the same card, the load waits for it."""
    mynumber, breka, _ = world.citizen(name, points=1_000)
    engine = world.engine
    with world.on_reader(mynumber):
        engine.card_tapped()
        engine.enter_pin("1234")
    engine.choose_amount(500)
    exchange_id = engine.confirm().exchange_id
    with world.on_reader(breka, remove_after=remove_after, remove_mode=remove_mode):
        view = engine.card_tapped()
    assert view.phase is Phase.TAP_BREKA and view.problem.code == "tap_same_card_again"
    assert world.parts.journal.get(exchange_id).state is Step.LOAD_INTENT
    return mynumber, breka, exchange_id
