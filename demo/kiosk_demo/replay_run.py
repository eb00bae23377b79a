"""The original experiment (Nov 2017 – Mar 2019) replayed through the real kiosk.

Every issuance goes to the cloud simulator at its own moment; every exchange is a full
counter exchange — My Number Card and PIN, hold, Breka card, load, commit, settlement
record — over the real pcscd with the virtual cards, the simulator's clock and the
kiosk's journal both set to the scenario's time. Expirations follow from the clock.
The monthly report over the result must equal the report's Table 1 and Table 2.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from kiosk_demo.demo_run import exchange, running_demo
from kiosk_demo.replay_scenario import (
    EVENT_PERIOD,
    EVENTS,
    EXCHANGES,
    HOLDERS,
    MONTHS,
    SIMULATE_UNTIL,
    Exchange,
    Issuance,
)


def run_replay(state_dir: Path, say: Callable[[str], None] = lambda _: None) -> dict:
    state_dir = Path(state_dir)
    if state_dir.exists() and any(state_dir.iterdir()):
        raise RuntimeError(f"{state_dir} is not empty: the replay starts from nothing; give a new folder")
    now = [EVENTS[0].at]
    window = (EVENT_PERIOD.issue_from.isoformat(), EVENT_PERIOD.issue_until.isoformat())
    with running_demo(state_dir, clock=lambda: now[0].astimezone(UTC), say=say, event_window=window) as demo:
        say(f"{len(HOLDERS)} 人のカードを発行します / issuing cards for {len(HOLDERS)} holders")
        exchanging = {e.holder for e in EXCHANGES}
        cards = {h: (demo.mynumber(h), demo.breka(h) if h in exchanging else None) for h in HOLDERS}
        mykey = {h: demo.admin.enrol(cards[h][0].state.der("auth_cert")) for h in HOLDERS}
        threshold = demo.cfg.get("rules", "clerk_threshold")
        month = ""
        for event in EVENTS:
            now[0] = event.at
            demo.admin.clock(event.at.isoformat())
            if event.at.strftime("%Y-%m") != month:
                month = event.at.strftime("%Y-%m")
                say(f"— {month}")
            if isinstance(event, Issuance):
                demo.admin.issue(mykey[event.holder], event.points, at=event.at.isoformat())
            else:
                assert isinstance(event, Exchange)
                mynumber, breka = cards[event.holder]
                if breka is None:
                    raise RuntimeError(f"{event.holder} exchanges but was given no Breka card")
                exchange(demo, mynumber, breka, event.points, clerk="replay" if event.points > threshold else None)
                say(f"  {event.at:%m-%d %H:%M} {event.holder} {event.points:,} pt")
        now[0] = SIMULATE_UNTIL
        demo.admin.clock(SIMULATE_UNTIL.isoformat())
        figures = demo.parts.cloud.monthly(MONTHS[0], MONTHS[-1], demo.cfg.get("rules", "event_id"))
        records = demo.parts.outbox.unsent(1_000_000)
    return flat_report(figures, records)


def flat_report(figures: dict, records: list[dict]) -> dict:
    """The cloud's monthly figures in the report's flat shape, checked against the kiosk's records."""
    from datetime import datetime

    from kiosk.rules import JST

    own: dict[str, list[dict]] = {}
    for record in records:
        month = datetime.fromisoformat(record["occurred_at"]).astimezone(JST).strftime("%Y-%m")
        own.setdefault(month, []).append(record)
    months = []
    for row in figures["months"]:
        used = own.get(row["month"], [])
        if (len(used), sum(r["points_used"] for r in used)) != (row["used"]["count"], row["used"]["points"]):
            raise RuntimeError(f"{row['month']}: the kiosk's records and the cloud's used figures disagree")
        months.append({"month": row["month"], **_flat(row)})
    totals = _flat(figures["totals"])
    totals.update({f"{k}_holders": figures["totals"][k]["holders"] for k in ("issued", "used", "expired")})
    return {"months": months, "totals": totals}


def _flat(row: dict) -> dict:
    return {f"{kind}_{what}": row[kind][what] for kind in ("issued", "used", "expired") for what in ("count", "points")}
