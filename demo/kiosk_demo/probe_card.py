"""The smallest useful virtual card: proves the vpcd path end to end.

It answers GET DATA (CA 01 00) with a fixed text and everything else as an unknown
instruction. `kiosk doctor` and the harness test use it to show pcscd, vpcd and
pyscard working together before any real card profile is involved.
"""

from __future__ import annotations

from kiosk_demo.vpcd import VirtualCard

PROBE_ATR = bytes.fromhex("3B 80 80 01 01".replace(" ", ""))
PROBE_TEXT = b"kiosk-probe"


class ProbeCard(VirtualCard):
    atr = PROBE_ATR

    def __init__(self) -> None:
        self.powered = False
        self.received: list[bytes] = []

    def power_on(self) -> None:
        self.powered = True

    def power_off(self) -> None:
        self.powered = False

    def process(self, apdu: bytes) -> bytes:
        self.received.append(apdu)
        if apdu[:4] == bytes((0x00, 0xCA, 0x01, 0x00)):
            return PROBE_TEXT + b"\x90\x00"
        return b"\x6d\x00"
