"""One exchange in a child process, for the crash tests: `python -m tests.crash_driver ENV_DIR
PORT READER NAME POINTS`. With KIOSK_CRASH_AFTER / KIOSK_CRASH_BEFORE set, the journal kills
this process with SIGKILL at that step; the virtual cards it serves vanish with it, as a
card on a reader does when the PC dies."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk import config as config_mod
from kiosk.app import build
from kiosk.exchange.view import Phase
from kiosk.pcsc.context import PcscContext
from kiosk.pcsc.reader import PcscReader
from kiosk_demo.breka_card import BrekaCard
from kiosk_demo.demo_keyring import use_demo_keyring
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.vpcd import CardInReader
from tests.mynumber_helpers import wait_card


def main(env_dir: str, port: str, reader: str, name: str, points: str) -> int:
    root = Path(env_dir)
    use_demo_keyring(root / "demo-keyring.json")
    cfg = config_mod.load(root / "config.toml")
    ctx = PcscContext()
    background = os.environ.get("CRASH_DRIVER_BACKGROUND") == "1"  # as `kiosk run`: commit behind "done"
    parts = build(cfg, reader=PcscReader(reader, ctx), background_commit=background)
    engine = parts.engine
    held: list[str] = []
    if parts.background is not None:  # hold the background commit until "done" is reported
        submit, parts.background.submit = parts.background.submit, held.append  # type: ignore[method-assign]
    wait_card(ctx, reader, present=False)
    holder = CardInReader(MyNumberCard.open(root / "cards" / f"{name}.mynumber.json"), int(port)).insert()
    wait_card(ctx, reader, present=True)
    assert engine.card_tapped().phase is Phase.PIN
    assert engine.enter_pin("1234").phase is Phase.AMOUNT
    assert engine.choose_amount(points).phase is Phase.CONFIRM
    view = engine.confirm()
    holder.remove()
    wait_card(ctx, reader, present=False)
    if view.phase is not Phase.TAP_BREKA:
        print(f"stopped at {view.phase.value}: {view.problem}", file=sys.stderr)
        return 3
    holder = CardInReader(BrekaCard.open(root / "cards" / f"{name}.breka.json"), int(port)).insert()
    wait_card(ctx, reader, present=True)
    view = engine.card_tapped()
    holder.remove()
    print(view.phase.value, flush=True)
    if held and view.phase is Phase.DONE:  # the done screen is up: now the journal's commit runs
        print(" ".join(parts.journal.get(i).state.value for i in held), flush=True)
        for exchange_id in held:
            submit(exchange_id)
        parts.background.wait_idle(60)
    return 0 if view.phase is Phase.DONE else 4


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
