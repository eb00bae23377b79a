"""The one contract protocol code depends on: send an APDU, get the answer.

Protocol sessions (mynumber, breka) take a `Connection`; pcsc.py provides the real one,
tests may provide their own. 61xx and 6Cxx are resolved here, once, for every transport.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from kiosk.cardio.apdu import CommandApdu, ResponseApdu, redacted_hex
from kiosk.log import TRAFFIC

log = logging.getLogger("kiosk.cardio.traffic")

_MAX_GET_RESPONSE = 32  # a card that keeps answering 61xx is broken; do not loop forever


# What `announce` names: a command the card takes long over, during which it must stay put.
LONG_SIGN = "sign"  # JPKI COMPUTE DIGITAL SIGNATURE (RSA-2048 on the card)
LONG_COMMIT = "commit"  # DESFire CommitTransaction (EEPROM writes)


class Connection(ABC):
    reader: str = ""
    atr: bytes = b""
    # Told (on the card thread) just before a long command is sent; the UI shows "do not move
    # the card" then. Must not block: it only queues work for other threads.
    on_long_command: Callable[[str], None] | None = None

    def announce(self, what: str) -> None:
        """A long command (LONG_SIGN, LONG_COMMIT) is about to be sent."""
        listener = self.on_long_command
        if listener is not None:
            try:
                listener(what)
            except Exception:  # noqa: BLE001 - a screen hint must never break a card operation
                log.exception("long-command listener failed")

    @abstractmethod
    def transmit_raw(self, apdu: bytes) -> bytes:
        """Send one APDU as bytes, return data + SW1 SW2. Raises CardRemoved et al."""

    def close(self) -> None:
        """Release the card (power it down where the transport can)."""

    def transmit(self, apdu: CommandApdu | bytes) -> ResponseApdu:
        raw = apdu.to_bytes() if isinstance(apdu, CommandApdu) else bytes(apdu)
        resp = self._exchange(raw)
        if resp.sw1 == 0x6C:  # wrong Le: send again with the Le the card named
            cmd = CommandApdu.parse(raw)
            resp = self._exchange(cmd.with_le(resp.sw2 or 256).to_bytes())
        data = bytearray(resp.data)
        for _ in range(_MAX_GET_RESPONSE):
            if resp.sw1 != 0x61:
                break
            resp = self._exchange(bytes((raw[0] & 0x03, 0xC0, 0, 0, resp.sw2)))
            data += resp.data
        return ResponseApdu(bytes(data), resp.sw1, resp.sw2)

    def _exchange(self, raw: bytes) -> ResponseApdu:
        if log.isEnabledFor(TRAFFIC):
            log.log(TRAFFIC, "%s > %s", self.reader, redacted_hex(raw))
        answer = self.transmit_raw(raw)
        if log.isEnabledFor(TRAFFIC):
            log.log(TRAFFIC, "%s < %s", self.reader, answer.hex(" ").upper())
        return ResponseApdu.parse(answer)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
