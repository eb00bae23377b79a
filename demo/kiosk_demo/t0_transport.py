"""T=0 as a contact card presents it to the host (ISO/IEC 7816-3 §12.2, 7816-4 §5.1.3).

Under T=0 a command carries at most one length byte (P3), so:
  * case 3/4 (data in): the card cannot answer data in the same exchange; it answers
    `61 xx` (xx bytes wait, 00 = 256) and the host fetches them with GET RESPONSE
    (`00 C0 00 00 xx`); a GET RESPONSE asking fewer gets them with `61 rest`, more `6C xx`;
  * case 2 (Le only): when P3 differs from the length the card has, it answers `6C xx`
    and the host repeats the command with P3 = xx. The card here computes the answer
    once and keeps it for the repeat, so a command with effects (a DESFire commit) is
    never done twice — from the host's view exactly "not done until asked right";
  * no extended lengths: a 7-byte-or-longer APDU with a 00 length byte answers `67 00`.

The ATR names T=0 only, so pcscd and pyscard pick T=0 (SCARD_PROTOCOL_T0).
"""

from __future__ import annotations

from collections.abc import Callable

SW_WRONG_LENGTH = b"\x67\x00"
SW_CONDITIONS = b"\x69\x85"  # GET RESPONSE with nothing waiting


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ATR (ISO/IEC 7816-3 §8.2)."""
    if len(atr) < 2:
        raise ValueError("ATR too short")
    count, y, i = atr[1] & 0x0F, atr[1] >> 4, 2
    while y:
        present = bin(y).count("1")
        td = atr[i + present - 1] if y & 0x8 else None
        i += present
        y = (td >> 4) if td is not None else 0
    return bytes(atr[i : i + count])


def t0_atr(atr: bytes) -> bytes:
    """The same card's ATR announcing T=0 only: TS 3B, T0 with no interface bytes, no TCK."""
    hist = historical_bytes(atr)
    return bytes((0x3B, len(hist))) + hist


def _sw_for_length(sw1: int, n: int) -> bytes:
    return bytes((sw1, n & 0xFF))  # 256 is written 00


class T0Transport:
    """The T=0 framing in front of a card's `process`; one instance per inserted card."""

    def __init__(self) -> None:
        self._waiting: bytes | None = None  # data + SW for GET RESPONSE
        self._for_repeat: tuple[bytes, bytes] | None = None  # (command, answer) after 6Cxx

    def clear(self) -> None:
        """Power events: nothing waits any more."""
        self._waiting = self._for_repeat = None

    def exchange(self, apdu: bytes, act: Callable[[bytes], bytes]) -> bytes:
        waiting, self._waiting = self._waiting, None
        repeat, self._for_repeat = self._for_repeat, None
        if len(apdu) < 5:
            return act(apdu)  # case 1: the card sees it (the host's transport adds P3 = 00)
        body = apdu[4:]
        if len(body) >= 3 and body[0] == 0:
            return SW_WRONG_LENGTH  # extended length: not on T=0
        if apdu[1] == 0xC0 and apdu[0] & 0xFC == 0 and apdu[2:4] == b"\x00\x00" and len(body) == 1:
            return self._get_response(waiting, body[0] or 256)
        if repeat is not None and len(body) == 1 and apdu[:4] == repeat[0][:4]:
            if (body[0] or 256) == len(repeat[1]) - 2:
                return repeat[1]
        answer = act(apdu)
        data = answer[:-2]
        if not data:
            return answer
        if len(body) > 1:  # data went in (case 3/4): data comes out via GET RESPONSE
            self._waiting = answer
            return _sw_for_length(0x61, min(len(data), 256))
        le = body[0] or 256
        if le == len(data):
            return answer
        self._for_repeat = (apdu, answer)
        return _sw_for_length(0x6C, len(data))

    def _get_response(self, waiting: bytes | None, le: int) -> bytes:
        if waiting is None:
            return SW_CONDITIONS
        data, sw = waiting[:-2], waiting[-2:]
        if le > len(data):
            self._waiting = waiting
            return _sw_for_length(0x6C, len(data))
        if le < len(data):
            self._waiting = data[le:] + sw
            return data[:le] + _sw_for_length(0x61, min(len(data) - le, 256))
        return waiting
