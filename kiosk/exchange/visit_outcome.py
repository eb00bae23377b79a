"""How a visit ended, for the anonymous monthly counts (kiosk.store.visits): the engine
calls `end_visit` once per visit; a failure is classified by `outcome_for`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.cardio import errors as card
from kiosk.cardio.desfire_status import BoundaryError
from kiosk.sync.cloud_errors import CloudError

if TYPE_CHECKING:
    from kiosk.store import Store

log = logging.getLogger(__name__)

# Refusals about the card's certificate or signature: the card, not the cloud, is at fault.
CARD_CODES = {"bad_signature", "certificate_untrusted", "certificate_expired", "certificate_revoked"}


def outcome_for(exc: BaseException) -> str:
    if isinstance(exc, card.PinBlocked):
        return "pin_locked"
    if isinstance(exc, (card.CardError, BoundaryError)):
        return "card_trouble"
    if isinstance(exc, CloudError):
        if exc.code == "no_mykey_id":
            return "no_mykey_id"
        return "card_trouble" if exc.code in CARD_CODES else "cloud_down"
    return "card_trouble"


def end_visit(store: Store, outcome: str) -> None:
    """Count the visit; a failure to count is logged and never stops the exchange."""
    from kiosk.store import StoreError, visits

    try:
        visits.record_visit(store, outcome)
    except (StoreError, OSError) as exc:
        log.warning("visit not counted (%s): %s", outcome, exc)
