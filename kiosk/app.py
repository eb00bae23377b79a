"""Composition root: builds the kiosk's parts from the configuration.

The CLI verbs, the GUI and the demo all get their engine from here, so the wiring of
reader, cloud client, store, outbox and keys exists once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.config import Config

if TYPE_CHECKING:  # the parts' types; their modules load in build(), not at import
    from kiosk.exchange.background import BackgroundCommits
    from kiosk.exchange.engine import ExchangeEngine
    from kiosk.exchange.finish import Finisher
    from kiosk.exchange.journal import Journal
    from kiosk.exchange.reversal import Reversals
    from kiosk.pcsc.reader import PcscReader
    from kiosk.store import Store
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.outbox import Outbox


@dataclass
class Parts:
    store: Store
    journal: Journal
    outbox: Outbox
    cloud: CloudClient
    reader: PcscReader
    finisher: Finisher
    engine: ExchangeEngine
    background: BackgroundCommits | None = None  # cloud commits behind the done screen
    reversals: Reversals | None = None  # same-day corrections (the engine settles torn ones at a tap)

    def close(self) -> None:
        if self.background is not None:
            self.background.stop()  # the commit in flight ends (or fails: recovery resends it)
        self.cloud.close()
        self.reader.close()
        self.store.close()


def build(
    cfg: Config,
    *,
    reader=None,
    cloud=None,
    listener: Callable | None = None,
    clock: Callable | None = None,
    background_commit: bool = False,
) -> Parts:
    """`clock` (UTC datetimes) replaces the real one for the replay on the simulated calendar.
    `background_commit`: the done screen right after the card load, the cloud commit behind it
    (what `kiosk run` uses); off, the engine commits before "done" (CLI verbs, most tests)."""
    from kiosk.config import aware_moment
    from kiosk.exchange.background import BackgroundCommits
    from kiosk.exchange.engine import ExchangeEngine
    from kiosk.exchange.finish import Finisher
    from kiosk.exchange.journal import Journal
    from kiosk.exchange.keys import KeyringKeys
    from kiosk.exchange.reversal import Reversals
    from kiosk.pcsc.reader import PcscReader
    from kiosk.store import Store
    from kiosk.sync.cloud_lazy import LazyCloudClient
    from kiosk.sync.outbox import Outbox

    store = Store(cfg.store_path)
    journal = Journal(store, clock) if clock else Journal(store)
    outbox = Outbox(store, cfg.get("cloud", "terminal_id"))
    cloud = cloud or LazyCloudClient(cfg)  # built at its first call, off the way to the first screen
    reader = reader or PcscReader(cfg.get("reader", "name"))
    keys = KeyringKeys()
    finisher = Finisher(journal, outbox, cloud, keys)
    background = BackgroundCommits(journal, finisher) if background_commit else None
    reversals = Reversals(journal, outbox, cloud, keys, clock) if clock else Reversals(journal, outbox, cloud, keys)
    engine = ExchangeEngine(
        reader=reader,
        cloud=cloud,
        journal=journal,
        finisher=finisher,
        keys=keys,
        event_id=cfg.get("rules", "event_id"),
        clerk_threshold=cfg.get("rules", "clerk_threshold"),
        card_upper_limit=cfg.get("rules", "card_upper_limit"),
        issue_until=aware_moment(cfg.get("rules", "event_issue_until")),
        listener=listener,
        background=background,
        reversals=reversals,
    )
    return Parts(store, journal, outbox, cloud, reader, finisher, engine, background, reversals)
