"""`kiosk run --smoke-test` on a kiosk that is set up: the counter's first screen, then exit.
(The bare-machine case, the out-of-service screen, is proven on the installed wheel.)"""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from kiosk.ui.staff_auth import StaffAuth
from tests.exchange_world import World

pytestmark = pytest.mark.pcsc


def test_a_set_up_kiosk_shows_the_counter_and_exits(world_dir, cloud, vpcd_slot, capsys):
    world = World(world_dir, cloud.url, vpcd_slot)
    try:
        staff = StaffAuth(world.parts.store)
        for role in ("clerk", "technician"):
            staff.set_pin(role, "135790", by="test")
        assert main(["--config", str(world.env.config_path), "run", "--smoke-test"]) == 0
    finally:
        world.close()
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["screen"] == "wait" and shown["problems"] == []
    assert "マイナンバーカードを読み取り機に置いてください" in shown["texts"]
