"""Card behaviour profiles: how a served virtual card answers, in time and in form.

A profile is applied in the card's side of the vpcd link (kiosk_demo.vpcd), so everything
between the kiosk and the card — pyscard, pcscd, the vpcd driver — stays real:

  ideal        answers at once, in one piece (the virtual cards as they always were)
  contact-t0   a contact reader running T=0: case-4 answers 61xx + GET RESPONSE, a wrong
               Le answers 6Cxx, no extended lengths (t0_transport.py); contact timing
  contactless  ISO 14443 type A/B through a CCID reader: per-command latency + jitter, the
               JPKI RSA-2048 signature and the DESFire commit taking their real order of time
  slow-reader  an old reader: long latency and now and then the card drops out of the field
               and comes back (pcscd counts a removal and a new card, see docs/virtual-cards.md)

The figures and where they come from: docs/virtual-cards.md, "Card behaviour profiles".
All times scale with `scale` (tests run at a fraction; `kiosk bench` and the demo at 1.0);
the drop-out gap does not, as pcscd must poll the empty reader to count a removal.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field, replace

SCALE_ENV = "KIOSK_CARD_TIME_SCALE"
RESET_GAP_S = 1.0  # > 2 pcscd polls of the vpcd reader (0.4 s): the removal is counted

# Commands that make the chip work rather than talk: (CLA, INS) -> extra ms at scale 1.
JPKI_SIGN = (0x80, 0x2A)
DESFIRE_COMMIT = (0x90, 0xC7)
DESFIRE_AUTH = (0x90, 0xAA)
LONG_COMMANDS = (JPKI_SIGN, DESFIRE_COMMIT)  # logged with the time the card received them


@dataclass(frozen=True)
class Profile:
    name: str
    t0: bool = False  # T=0 transmission quirks (61xx / 6Cxx / no extended lengths)
    base_ms: float = 0.0  # per command: reader + card turnaround
    per_byte_ms: float = 0.0  # per byte in both directions (air or serial line)
    jitter_ms: float = 0.0  # uniform 0..jitter added per command
    work_ms: dict[tuple[int, int], float] = field(default_factory=dict)  # chip work by (CLA, INS)
    reset_chance: float = 0.0  # per command: the card drops out before it
    reset_at: tuple[int, ...] = ()  # or at these command numbers (1-based), for tests
    scale: float = 1.0
    seed: int | None = None

    def scaled(self, scale: float) -> Profile:
        if scale < 0:
            raise ValueError("a time scale is >= 0")
        return replace(self, scale=scale)

    def with_resets(self, chance: float = 0.0, at: tuple[int, ...] = ()) -> Profile:
        return replace(self, reset_chance=chance, reset_at=tuple(at))

    def delay_s(self, command: bytes, answer: bytes, rng: random.Random, worked: bool = True) -> float:
        """How long the command takes from the host's view, in seconds (already scaled).

        `worked`: the chip acted on it (not a GET RESPONSE or a repeat after 6Cxx)."""
        if self.scale == 0:
            return 0.0
        ms = self.base_ms + self.per_byte_ms * (len(command) + len(answer))
        if self.jitter_ms:
            ms += rng.uniform(0.0, self.jitter_ms)
        if worked and len(command) >= 2:
            ms += self.work_ms.get((command[0], command[1]), 0.0)
        return ms * self.scale / 1000.0

    @property
    def has_timing(self) -> bool:
        return self.scale > 0 and bool(self.base_ms or self.per_byte_ms or self.jitter_ms or self.work_ms)


# Figures (ms). Reasoning and sources: docs/virtual-cards.md.
PROFILES: dict[str, Profile] = {
    "ideal": Profile("ideal"),
    "contact-t0": Profile(
        "contact-t0",
        t0=True,
        base_ms=3.0,  # CCID bulk round trip + card turnaround
        per_byte_ms=0.25,  # ~12 etu per byte at F=372/D=4, 4 MHz (about 43 kbit/s)
        jitter_ms=1.0,
        work_ms={JPKI_SIGN: 400.0, DESFIRE_COMMIT: 30.0, DESFIRE_AUTH: 5.0},
    ),
    "contactless": Profile(
        "contactless",
        base_ms=5.0,  # CCID round trip + ISO 14443-4 block + frame delay
        per_byte_ms=0.05,  # ~10 etu per byte at 212 kbit/s (type B), I-block framing
        jitter_ms=4.0,  # field strength and retransmitted blocks
        work_ms={JPKI_SIGN: 450.0, DESFIRE_COMMIT: 40.0, DESFIRE_AUTH: 8.0},
    ),
    "slow-reader": Profile(
        "slow-reader",
        base_ms=40.0,  # an old serial-bridged reader: polling, slow firmware
        per_byte_ms=1.0,  # 9600 baud between reader and card/host
        jitter_ms=20.0,
        work_ms={JPKI_SIGN: 600.0, DESFIRE_COMMIT: 60.0, DESFIRE_AUTH: 10.0},
        reset_chance=0.02,
    ),
}


def env_scale(default: float = 1.0) -> float:
    raw = os.environ.get(SCALE_ENV)
    if raw is None or raw == "":
        return default
    value = float(raw)
    if value < 0:
        raise ValueError(f"{SCALE_ENV} must be >= 0, got {raw}")
    return value


def get(name: str, scale: float | None = None) -> Profile:
    """The named profile, scaled by `scale` or else by $KIOSK_CARD_TIME_SCALE (default 1)."""
    if name not in PROFILES:
        raise KeyError(f"unknown card profile {name!r} (known: {', '.join(PROFILES)})")
    return PROFILES[name].scaled(env_scale() if scale is None else scale)


class Shaper:
    """One link's use of a profile: its random stream and its count of commands."""

    def __init__(self, profile: Profile | None):
        self.profile = profile or PROFILES["ideal"]
        self.rng = random.Random(self.profile.seed)
        self.commands = 0
        self.busy_log: list[tuple[float, bytes]] = []  # (monotonic time received, CLA INS) of LONG_COMMANDS

    def reset_now(self) -> bool:
        """Does the card drop out before the next command (counted from 1)?"""
        self.commands += 1
        p = self.profile
        if self.commands in p.reset_at:
            return True
        return p.reset_chance > 0 and self.rng.random() < p.reset_chance

    def note_received(self, command: bytes) -> None:
        if len(command) >= 2 and (command[0], command[1]) in LONG_COMMANDS:
            self.busy_log.append((time.monotonic(), bytes(command[:2])))

    def wait(self, command: bytes, answer: bytes, started: float, worked: bool = True) -> None:
        """Hold the answer until the profile's time for it has passed since `started`."""
        delay = self.profile.delay_s(command, answer, self.rng, worked)
        remaining = started + delay - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
