"""The journal steps of an exchange, in saga order, and what each one means for recovery.

Every arrow of the saga is one of these, written durably before the action it protects
(docs/architecture.md): `hold_requested` before the cloud hold, `load_intent` before the first card
write, `commit_requested` before the cloud commit, `cancel_requested` before a cancel.
"""

from __future__ import annotations

from enum import Enum


class Step(str, Enum):
    CREATED = "created"  # exchange id chosen, nothing sent anywhere
    HOLD_REQUESTED = "hold_requested"  # holder, points, fee, loaded fixed; the cloud may now hold
    HELD = "held"  # the cloud confirmed the hold
    LOAD_INTENT = "load_intent"  # a card write may now happen (card uid, balance before)
    LOADED = "loaded"  # the card committed the load (its log says so)
    NOT_LOADED = "not_loaded"  # the card discarded the load (its log says so)
    COMMIT_REQUESTED = "commit_requested"  # the cloud may now have committed
    COMMITTED = "committed"  # cloud committed; settlement record in the outbox
    CANCEL_REQUESTED = "cancel_requested"  # the cloud may now have cancelled
    CANCELLED = "cancelled"  # final: nothing loaded, hold released

    @property
    def final(self) -> bool:
        return self in (Step.COMMITTED, Step.CANCELLED)


# Steps after which a card write may have happened that only the card's log can settle.
NEEDS_CARD = {Step.LOAD_INTENT}
