"""The point cloud's stable error codes and one exception type per code.

The UI maps exception types to screens (never messages). The simulator imports `Code`
and `STATUS` from here, so server and client cannot disagree on a code's spelling.
"""

from __future__ import annotations

from enum import Enum


class Code(str, Enum):
    # terminal authentication
    UNAUTHENTICATED = "unauthenticated"
    UNKNOWN_TERMINAL = "unknown_terminal"
    BAD_TERMINAL_SIGNATURE = "bad_terminal_signature"
    STALE_REQUEST = "stale_request"
    REPLAYED_REQUEST = "replayed_request"
    # holder authentication (JPKI)
    CHALLENGE_UNKNOWN = "challenge_unknown"
    CHALLENGE_EXPIRED = "challenge_expired"
    BAD_SIGNATURE = "bad_signature"
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_REVOKED = "certificate_revoked"
    NO_MYKEY_ID = "no_mykey_id"
    MYKEY_NOT_PROVEN = "mykey_not_proven"  # no holder authentication ended in no_mykey_id for this
    HOLDER_TOKEN_INVALID = "holder_token_invalid"
    HOLDER_TOKEN_EXPIRED = "holder_token_expired"
    # points and exchanges
    INSUFFICIENT_POINTS = "insufficient_points"
    EVENT_CLOSED = "event_closed"
    EVENT_NOT_SERVED = "event_not_served"
    UNKNOWN_EVENT = "unknown_event"
    UNKNOWN_HOLDER = "unknown_holder"
    INVALID_AMOUNT = "invalid_amount"
    AMOUNT_MISMATCH = "amount_mismatch"
    EXCHANGE_NOT_FOUND = "exchange_not_found"
    ALREADY_COMMITTED = "already_committed"
    ALREADY_CANCELLED = "already_cancelled"
    REVERSAL_NOT_ALLOWED = "reversal_not_allowed"  # not committed, another day, other holder or card
    # request shape and idempotency
    INVALID_REQUEST = "invalid_request"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    TERMINAL_MISMATCH = "terminal_mismatch"
    NOT_FOUND = "not_found"
    # server side
    INTERNAL_ERROR = "internal_error"
    INJECTED_FAULT = "injected_fault"


# HTTP status the cloud answers with for each code.
STATUS: dict[Code, int] = {
    Code.UNAUTHENTICATED: 401,
    Code.UNKNOWN_TERMINAL: 401,
    Code.BAD_TERMINAL_SIGNATURE: 401,
    Code.STALE_REQUEST: 401,
    Code.REPLAYED_REQUEST: 401,
    Code.CHALLENGE_UNKNOWN: 403,
    Code.CHALLENGE_EXPIRED: 403,
    Code.BAD_SIGNATURE: 403,
    Code.CERTIFICATE_UNTRUSTED: 403,
    Code.CERTIFICATE_EXPIRED: 403,
    Code.CERTIFICATE_REVOKED: 403,
    Code.NO_MYKEY_ID: 403,
    Code.MYKEY_NOT_PROVEN: 403,
    Code.HOLDER_TOKEN_INVALID: 401,
    Code.HOLDER_TOKEN_EXPIRED: 401,
    Code.INSUFFICIENT_POINTS: 409,
    Code.EVENT_CLOSED: 409,
    Code.EVENT_NOT_SERVED: 403,
    Code.UNKNOWN_EVENT: 404,
    Code.UNKNOWN_HOLDER: 404,
    Code.INVALID_AMOUNT: 422,
    Code.AMOUNT_MISMATCH: 422,
    Code.EXCHANGE_NOT_FOUND: 404,
    Code.ALREADY_COMMITTED: 409,
    Code.ALREADY_CANCELLED: 409,
    Code.REVERSAL_NOT_ALLOWED: 409,
    Code.INVALID_REQUEST: 422,
    Code.IDEMPOTENCY_KEY_REQUIRED: 400,
    Code.IDEMPOTENCY_KEY_REUSED: 422,
    Code.TERMINAL_MISMATCH: 403,
    Code.NOT_FOUND: 404,
    Code.INTERNAL_ERROR: 500,
    Code.INJECTED_FAULT: 500,
}


class CloudError(Exception):
    """A refusal or failure from the point cloud. `code` is stable; `message` is for logs."""

    code: str = "cloud_error"

    def __init__(self, message: str = "", *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message
        self.status = status
        if code is not None:
            self.code = code


class CloudUnavailable(CloudError):
    """No usable answer: network down, timeout, dropped connection or a 5xx after retries."""

    code = "unavailable"


class Interrupted(CloudUnavailable):
    """The counter stopped waiting (a cancel, the idle wipe, shutdown): the call was cut off
    and no answer is taken. Calls are idempotent, so recovery settles whatever the cloud did."""

    code = "interrupted"


class TerminalRejected(CloudError):
    """The cloud does not accept this terminal's credentials (a technician's problem)."""


class UnexpectedResponse(CloudError):
    """An answer outside the interface (unknown code, not JSON): a bug on one side."""

    code = "unexpected_response"


def _name(code: Code) -> str:
    return "".join(part.capitalize() for part in code.value.split("_"))


_TERMINAL_CODES = {
    Code.UNAUTHENTICATED,
    Code.UNKNOWN_TERMINAL,
    Code.BAD_TERMINAL_SIGNATURE,
    Code.STALE_REQUEST,
    Code.REPLAYED_REQUEST,
}
_SERVER_CODES = {Code.INTERNAL_ERROR, Code.INJECTED_FAULT}

# One class per stable code, e.g. ERRORS["insufficient_points"] is InsufficientPoints.
ERRORS: dict[str, type[CloudError]] = {}
for _code in Code:
    _base = TerminalRejected if _code in _TERMINAL_CODES else CloudUnavailable if _code in _SERVER_CODES else CloudError
    ERRORS[_code.value] = type(_name(_code), (_base,), {"code": _code.value, "__module__": __name__})

# Names for the UI and the exchange engine (also keeps linters aware of the generated classes).
Unauthenticated = ERRORS["unauthenticated"]
UnknownTerminal = ERRORS["unknown_terminal"]
BadTerminalSignature = ERRORS["bad_terminal_signature"]
StaleRequest = ERRORS["stale_request"]
ReplayedRequest = ERRORS["replayed_request"]
ChallengeUnknown = ERRORS["challenge_unknown"]
ChallengeExpired = ERRORS["challenge_expired"]
BadSignature = ERRORS["bad_signature"]
CertificateUntrusted = ERRORS["certificate_untrusted"]
CertificateExpired = ERRORS["certificate_expired"]
CertificateRevoked = ERRORS["certificate_revoked"]
NoMykeyId = ERRORS["no_mykey_id"]
MykeyNotProven = ERRORS["mykey_not_proven"]
HolderTokenInvalid = ERRORS["holder_token_invalid"]
HolderTokenExpired = ERRORS["holder_token_expired"]
InsufficientPoints = ERRORS["insufficient_points"]
EventClosed = ERRORS["event_closed"]
EventNotServed = ERRORS["event_not_served"]
UnknownEvent = ERRORS["unknown_event"]
UnknownHolder = ERRORS["unknown_holder"]
InvalidAmount = ERRORS["invalid_amount"]
AmountMismatch = ERRORS["amount_mismatch"]
ExchangeNotFound = ERRORS["exchange_not_found"]
AlreadyCommitted = ERRORS["already_committed"]
AlreadyCancelled = ERRORS["already_cancelled"]
InvalidRequest = ERRORS["invalid_request"]
IdempotencyKeyRequired = ERRORS["idempotency_key_required"]
IdempotencyKeyReused = ERRORS["idempotency_key_reused"]
TerminalMismatch = ERRORS["terminal_mismatch"]
NotFound = ERRORS["not_found"]
InternalError = ERRORS["internal_error"]
InjectedFault = ERRORS["injected_fault"]


def error_for(code: str, message: str, status: int) -> CloudError:
    cls = ERRORS.get(code)
    if cls is None:
        return UnexpectedResponse(f"unknown error code {code!r}: {message}", status=status, code=code)
    return cls(message, status=status)
