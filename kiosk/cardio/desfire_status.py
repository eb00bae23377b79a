"""DESFire status bytes (`91 xx`) as exceptions, and the status constants both sides use.

The card answers every native command with SW1 = 91 and a DESFire status in SW2. Any
error status ends the card's session and discards a pending transaction, so each of
these means "the card did not apply it" — unlike a lost or unverifiable reply.
"""

from __future__ import annotations

from kiosk.cardio.errors import ApduError, ApplicationNotFound

SW1_DESFIRE = 0x91

OK = 0x00
NO_CHANGES = 0x0C
INTEGRITY_ERROR = 0x1E
LENGTH_ERROR = 0x7E
PERMISSION_DENIED = 0x9D
PARAMETER_ERROR = 0x9E
APPLICATION_NOT_FOUND = 0xA0
AUTHENTICATION_ERROR = 0xAE
ADDITIONAL_FRAME = 0xAF
BOUNDARY_ERROR = 0xBE
COMMAND_ABORTED = 0xCA
MEMORY_ERROR = 0xEE


class DesfireError(ApduError):
    """The card answered a DESFire error status (it applied nothing and ended the session)."""

    status: int = -1
    text = "DESFire error"

    def __init__(self, status: int | None = None):
        if status is not None:
            self.status = status
        super().__init__((SW1_DESFIRE << 8) | self.status, f"{self.text} (91 {self.status:02X})")


class CommandIntegrityError(DesfireError):
    """The card rejected our command's CMAC (status 1E): the command was not applied."""

    status, text = INTEGRITY_ERROR, "the card found the command's CMAC wrong"


class DesfireLengthError(DesfireError):
    status, text = LENGTH_ERROR, "command length wrong"


class PermissionDenied(DesfireError):
    status, text = PERMISSION_DENIED, "the authenticated key may not do this"


class ParameterError(DesfireError):
    status, text = PARAMETER_ERROR, "parameter error"


class DesfireApplicationNotFound(DesfireError, ApplicationNotFound):
    """The card has no Breka-DF application: not a Breka card."""

    status, text = APPLICATION_NOT_FOUND, "no Breka application on this card"


class AuthenticationError(DesfireError):
    """Wrong key, or a command that needs a session before one was established."""

    status, text = AUTHENTICATION_ERROR, "authentication failed"


class BoundaryError(DesfireError):
    """The value would leave [lower, upper] (or a record range is out of the file)."""

    status, text = BOUNDARY_ERROR, "value or range out of bounds"


class CommandAborted(DesfireError):
    status, text = COMMAND_ABORTED, "command aborted"


class DesfireMemoryError(DesfireError):
    status, text = MEMORY_ERROR, "card memory error"


class UnexpectedStatus(DesfireError):
    text = "unexpected DESFire status"


_BY_STATUS = {
    cls.status: cls
    for cls in (
        CommandIntegrityError,
        DesfireLengthError,
        PermissionDenied,
        ParameterError,
        DesfireApplicationNotFound,
        AuthenticationError,
        BoundaryError,
        CommandAborted,
        DesfireMemoryError,
    )
}


def error_for_status(status: int) -> DesfireError:
    """The exception for a DESFire status byte (callers raise it)."""
    cls = _BY_STATUS.get(status)
    return cls() if cls is not None else UnexpectedStatus(status)
