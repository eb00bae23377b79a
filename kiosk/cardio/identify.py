"""Which card is on the reader: a My Number Card, a Breka card, or something else.

Decided by SELECT, never by the ATR alone (jpki.md §1, breka-card.md): the ATR is only a
hint, reported alongside. Order matters: the JPKI AP is selected first, so identifying a
My Number Card sends nothing to any application but JPKI; only a card without it gets the
Breka SelectApplication (`90 5A 00 00 03 42 52 4B 00`, a Breka card answers `91 00`).

For a My Number Card the result carries the MyNumberSession already opened (JPKI AP
selected, token read), so the flow does not pay for a second SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.cardio.apdu import CommandApdu
from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import ApduError, ApplicationNotFound
from kiosk.cardio.mynumber import MyNumberSession, TokenKind

BREKA_SELECT = CommandApdu(0x90, 0x5A, 0x00, 0x00, bytes.fromhex("42524B"), le=0)
BREKA_OK = 0x9100

# ATR hints (never decisive). My Number ATRs from PCSCT / OSC-W (jpki.md §1).
_MYNUMBER_ATRS = {
    bytes.fromhex(h.replace(" ", ""))
    for h in (
        "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B",
        "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00",
        "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6",
        "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15",
        "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F",
        "3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B",
        "3B 88 80 01 00 4B 51 FF 00 81 D1 00 BC",
        "3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F",
    )
}
_DESFIRE_ATR = bytes.fromhex("3B8180018080")


class CardKind(str, Enum):
    MYNUMBER = "mynumber"
    BREKA = "breka"
    UNKNOWN = "unknown"


@dataclass
class Identification:
    kind: CardKind
    atr: bytes
    atr_hint: CardKind  # what the ATR alone would suggest (informative only)
    token: str | None = None  # My Number: the token text of EF 0006
    token_kind: TokenKind | None = None
    session: MyNumberSession | None = None  # My Number: the session, JPKI AP selected


def atr_hint(atr: bytes) -> CardKind:
    if atr in _MYNUMBER_ATRS:
        return CardKind.MYNUMBER
    if atr == _DESFIRE_ATR:
        return CardKind.BREKA
    return CardKind.UNKNOWN


def identify(connection: Connection) -> Identification:
    """SELECT JPKI; if the card has no JPKI AP, the Breka select; else unknown.

    CardRemoved and reader errors propagate; a card answering errors is UNKNOWN.
    """
    atr = connection.atr
    hint = atr_hint(atr)
    try:
        session = MyNumberSession(connection)
    except ApplicationNotFound:
        pass  # no JPKI AP: only now may another application be tried
    except ApduError:
        # JPKI answered its SELECT but not the token read: nothing else is sent to it.
        return Identification(CardKind.UNKNOWN, atr, hint)
    else:
        kind = CardKind.MYNUMBER if session.token_kind is TokenKind.CARD else CardKind.UNKNOWN
        return Identification(kind, atr, hint, session.token, session.token_kind, session)
    resp = connection.transmit(BREKA_SELECT)
    if resp.sw == BREKA_OK:
        return Identification(CardKind.BREKA, atr, hint)
    return Identification(CardKind.UNKNOWN, atr, hint)
