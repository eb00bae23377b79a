"""What an ATR and the negotiated protocol say about the card's interface (for `kiosk doctor`).

PC/SC readers present a contactless ISO 14443-4 card with an ATR they build themselves
(PC/SC Part 3 §3.1.3.2.3): `3B 8n 80 01` + historical bytes (type A: from the ATS; type
B: from the ATQB) + TCK, and run it as T=1. A contact card's ATR is its own and names T=0
and/or T=1. PC/SC says nothing about which RF types a reader polls: that type B works is
only proven by reading a type B card (the My Number Card).
"""

from __future__ import annotations


def protocols(atr: bytes) -> list[int]:
    """The protocols T=n the ATR offers (ISO/IEC 7816-3 §8.2.3); T=0 when none is named."""
    if len(atr) < 2:
        return []
    found: list[int] = []
    y, i = atr[1] >> 4, 2
    while y:
        present = bin(y).count("1")
        if not y & 0x8:
            break
        if i + present - 1 >= len(atr):
            return found or [0]
        td = atr[i + present - 1]
        if (td & 0x0F) not in found:
            found.append(td & 0x0F)
        i += present
        y = td >> 4
    return found or [0]


def is_contactless(atr: bytes) -> bool:
    """The ATR has the form a PC/SC reader builds for a contactless card (Part 3)."""
    return len(atr) >= 5 and atr[0] == 0x3B and atr[1] & 0xF0 == 0x80 and atr[2:4] == b"\x80\x01"


def describe_interface(atr: bytes, active_protocol: str) -> str:
    """ "T=1, contactless (PC/SC Part 3 ATR)", "T=0, contact", … in Japanese and English."""
    if is_contactless(atr):
        return f"{active_protocol}, 非接触 / contactless (PC/SC Part 3 ATR)"
    offered = "/".join(f"T={t}" for t in protocols(atr)) or "?"
    return f"{active_protocol}, 接触 / contact (ATR offers {offered})"
