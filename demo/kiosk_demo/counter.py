"""The counter with virtual cards: puts a card on the vpcd reader the way a citizen taps it.

Used by the demo, the replay, the benchmarks and the tests. A card is "on the reader" once
pcscd reports it present. Taking it away waits until pcscd has *counted* the removal (its
event counter moved), not only until the reader looks empty: vpcd is polled about every
0.4 s, and a card put back before pcscd counted the removal is never seen. If pcscd still
does not see a card (seen right after a process holding the reader was killed), the card
is tapped again, as a citizen would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kiosk.pcsc.context import PcscContext, ReaderState
from kiosk.pcsc.reader import wait_for_state
from kiosk_demo.card_profiles import Profile
from kiosk_demo.vpcd import CardInReader, VirtualCard

TAPS = 3


class VirtualCounter:
    def __init__(
        self,
        reader: str = "Virtual PCD 00 00",
        port: int = 35963,
        context: PcscContext | None = None,
        profile: Profile | None = None,
    ):
        self.reader, self.port = reader, port
        self.context = context or PcscContext()
        self.profile = profile  # how the cards behave (kiosk_demo.card_profiles); None: ideal

    @contextmanager
    def card(self, card: VirtualCard, **insert_args) -> Iterator[CardInReader]:
        """`card` on the reader for the block; the reader is empty (and counted so) afterwards."""
        self._wait(lambda s: not s.present, "the reader to be empty")
        insert_args.setdefault("profile", self.profile)
        for _ in range(TAPS):
            holder = CardInReader(card, self.port).insert(**insert_args)
            seen = self._wait(lambda s: s.present, "the card", timeout=2.0, fail=False)
            if seen is not None:
                break
            self._take_away(holder, None)
        else:
            raise RuntimeError(f"{self.reader}: pcscd did not see the card after {TAPS} taps")
        try:
            yield holder
        finally:
            self._take_away(holder, seen.event_count)

    def _take_away(self, holder: CardInReader, seen_count: int | None) -> None:
        holder.remove()
        self._wait(
            lambda s: not s.present and (seen_count is None or s.event_count != seen_count),
            "pcscd to count the removal",
        )

    def _wait(self, done, what: str, timeout: float = 5.0, fail: bool = True) -> ReaderState | None:
        state = wait_for_state(self.context, self.reader, done, timeout)
        if state is None and fail:
            raise RuntimeError(f"{self.reader}: waited {timeout}s for {what}")
        return state
