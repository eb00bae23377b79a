"""Exceptions from the layers below, turned into Problems with stable codes for the UI."""

from __future__ import annotations

from kiosk.cardio import errors as card
from kiosk.cardio.desfire_status import BoundaryError
from kiosk.exchange.view import Problem
from kiosk.rules import AmountError
from kiosk.secrets import SecretError
from kiosk.sync.cloud_errors import CloudError, CloudUnavailable, TerminalRejected, UnexpectedResponse


def problem_for(exc: BaseException) -> Problem:
    if isinstance(exc, card.PinIncorrect):
        return Problem("wrong_pin", {"tries_left": exc.tries_left})
    if isinstance(exc, card.PinBlocked):
        return Problem("pin_locked")
    if isinstance(exc, card.LastTryNotConfirmed):
        return Problem("last_try_needs_confirmation", {"tries_left": 1})
    if isinstance(exc, card.InvalidPinFormat):
        return Problem("pin_format")
    if isinstance(exc, card.NoCard):
        return Problem("no_card")
    if isinstance(exc, card.CardRemoved):
        return Problem("card_removed")
    if isinstance(exc, card.SharingViolation):
        return Problem("reader_busy", {"holders": exc.holders})
    if isinstance(exc, (card.ServiceUnavailable, card.ReaderUnavailable, card.ReaderError)):
        return Problem("reader_unavailable")
    if isinstance(exc, BoundaryError):
        return Problem("card_full")
    if isinstance(exc, card.CardError):
        return Problem("card_error", {"type": type(exc).__name__})
    if isinstance(exc, AmountError):
        return Problem(exc.code, dict(exc.params))
    if isinstance(exc, TerminalRejected):
        return Problem("terminal_rejected", {"code": exc.code})
    if isinstance(exc, CloudUnavailable):
        return Problem("cloud_unavailable")
    if isinstance(exc, UnexpectedResponse):  # whatever code it carries: not the cloud's answer
        return Problem("unexpected_response")
    if isinstance(exc, CloudError):
        return Problem(exc.code)
    if isinstance(exc, SecretError):
        return Problem("kiosk_not_provisioned")
    return Problem("internal_error", {"type": type(exc).__name__})
