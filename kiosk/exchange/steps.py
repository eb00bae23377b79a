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
    # LOADED / NOT_LOADED: the card's log says so; or, for a load that log no longer reaches,
    # the Breka operator did (recorded by a clerk, audited: kiosk/exchange/unprovable.py).
    LOADED = "loaded"  # the card committed the load
    NOT_LOADED = "not_loaded"  # the card discarded the load
    COMMIT_REQUESTED = "commit_requested"  # the cloud may now have committed
    COMMITTED = "committed"  # cloud committed; settlement record in the outbox
    CANCEL_REQUESTED = "cancel_requested"  # the cloud may now have cancelled
    CANCELLED = "cancelled"  # final: nothing loaded, hold released

    @property
    def final(self) -> bool:
        return self in (Step.COMMITTED, Step.CANCELLED)


# Steps after which a card write may have happened that only the card's log can settle.
NEEDS_CARD = {Step.LOAD_INTENT}


# The saga only moves forward: each step and the steps that may follow it. A step may also be
# written again (a retry records its error on the same step), except a final one: a committed
# or cancelled exchange never changes again, so no late card tap or reply can revive it.
NEXT: dict[Step, frozenset[Step]] = {
    Step.CREATED: frozenset({Step.HOLD_REQUESTED, Step.CANCELLED}),
    Step.HOLD_REQUESTED: frozenset({Step.HELD, Step.CANCEL_REQUESTED}),
    Step.HELD: frozenset({Step.LOAD_INTENT, Step.CANCEL_REQUESTED}),
    Step.LOAD_INTENT: frozenset({Step.LOADED, Step.NOT_LOADED}),
    Step.NOT_LOADED: frozenset({Step.LOAD_INTENT, Step.CANCEL_REQUESTED}),  # retried on the same card
    Step.LOADED: frozenset({Step.COMMIT_REQUESTED}),
    Step.COMMIT_REQUESTED: frozenset({Step.COMMITTED}),
    Step.CANCEL_REQUESTED: frozenset({Step.CANCELLED}),
    Step.COMMITTED: frozenset(),
    Step.CANCELLED: frozenset(),
}


def may_follow(current: Step, step: Step) -> bool:
    return step in NEXT[current] or (step is current and not current.final)
