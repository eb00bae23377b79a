"""The in-process link to a virtual card, shared by the unit tests of both card protocols."""

from __future__ import annotations

from kiosk.cardio.connection import Connection


class DirectConnection(Connection):
    """A virtual card in this process, no PC/SC: unit tests of one protocol module only
    (acceptance tests go through pcscd)."""

    reader = "direct"

    def __init__(self, card) -> None:
        self.card = card
        self.atr = card.atr
        card.power_on()
        self.sent: list[bytes] = []

    def transmit_raw(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return self.card.process(apdu)

    def close(self) -> None:
        self.card.power_off()
