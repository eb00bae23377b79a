"""Card errors: status words and PC/SC failures become a few exception types.

The UI maps these types to screens; nothing above this layer reads status words.
"""

from __future__ import annotations


class CardError(Exception):
    """Anything that went wrong talking to a card."""


class ReaderError(CardError):
    """The reader or the PC/SC service, not the card."""


class ServiceUnavailable(ReaderError):
    """The PC/SC service (pcscd / Windows SCardSvr) is not running."""


class ReaderUnavailable(ReaderError):
    """No such reader, or it was unplugged."""


class SharingViolation(ReaderError):
    def __init__(self, reader: str, holders: list[str] | None = None):
        self.reader, self.holders = reader, holders or []
        who = f" (probably: {', '.join(self.holders)})" if self.holders else ""
        super().__init__(f"another program holds the reader {reader!r}{who}")


class NoCard(CardError):
    """The reader is empty."""


class CardRemoved(CardError):
    """The card left the reader during an operation; what it did with the last command is unknown."""


class ApduError(CardError):
    """The card answered a status word other than success."""

    def __init__(self, sw: int, message: str | None = None):
        self.sw = sw
        super().__init__(message or f"card answered SW {sw:04X}")


class PinIncorrect(ApduError):
    def __init__(self, sw: int, tries_left: int):
        self.tries_left = tries_left
        super().__init__(sw, f"wrong PIN, {tries_left} tries left")


class PinBlocked(ApduError):
    def __init__(self, sw: int):
        super().__init__(sw, "PIN is blocked")


class SecurityStatusNotSatisfied(ApduError):
    pass


class ConditionsNotSatisfied(ApduError):
    pass


class FileNotFound(ApduError):
    pass


class ApplicationNotFound(FileNotFound):
    """SELECT of an application the card does not have."""


class WrongParameters(ApduError):
    pass


class WrongLength(ApduError):
    pass


class EndOfFile(ApduError):
    pass


class InstructionNotSupported(ApduError):
    pass


class InvalidPinFormat(CardError, ValueError):
    """The PIN was refused before anything was sent: it does not have the card's format."""


class LastTryNotConfirmed(CardError):
    """One try is left and the caller did not confirm spending it; nothing was sent."""

    def __init__(self, tries_left: int = 1):
        self.tries_left = tries_left
        super().__init__("only one PIN try is left; an explicit confirmation is needed to use it")


class UnexpectedResponse(CardError):
    """The card answered success with data that makes no sense (a malformed certificate, ...)."""


class IntegrityError(CardError):
    """A reply failed its MAC check; treated exactly like a lost reply."""


_ISO_SW = {
    0x6982: SecurityStatusNotSatisfied,
    0x6985: ConditionsNotSatisfied,
    0x6A82: FileNotFound,
    0x6A86: WrongParameters,
    0x6B00: EndOfFile,
    0x6282: EndOfFile,
    0x6700: WrongLength,
    0x6D00: InstructionNotSupported,
}


def error_for_sw(sw: int) -> ApduError:
    """The exception for an ISO 7816 status word (callers raise it)."""
    if sw in (0x6983, 0x6984) or sw == 0x63C0:
        return PinBlocked(sw)
    if sw & 0xFFF0 == 0x63C0:
        return PinIncorrect(sw, sw & 0x0F)
    return _ISO_SW.get(sw, ApduError)(sw)
