"""The engine's view of the world outside: a reader, the cloud, the keys (no Qt, no pyscard)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from kiosk.cardio.connection import Connection

if TYPE_CHECKING:
    from kiosk.sync.cloud import Challenge, HolderSession


class Reader(Protocol):
    def connect(self) -> Connection:
        """The card on the kiosk's reader, exclusively. Raises NoCard, CardRemoved, ReaderError."""


class Cloud(Protocol):
    def challenge(self) -> Challenge: ...
    def authenticate_holder(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> HolderSession: ...
    def create_mykey(self, challenge_id: str, certificate_der: bytes, signature: bytes, key: str) -> HolderSession: ...
    def balance(self, holder: HolderSession) -> dict[str, Any]: ...
    def assign_reserved(self, holder: HolderSession, event_id: str, points: int, key: str) -> dict[str, Any]: ...
    def hold(self, holder: HolderSession, exchange_id: str, event_id: str, points: int) -> dict[str, Any]: ...
    def commit(
        self, exchange_id: str, *, card_ref: str, load_id: str, loaded: int, fee: int, balance_after: int
    ) -> dict[str, Any]: ...
    def cancel(self, exchange_id: str, reason: str) -> dict[str, Any]: ...
    def reverse(
        self,
        exchange_id: str,
        *,
        reversal_id: str,
        card_ref: str,
        unloaded: int,
        balance_after: int,
        reason: str,
        holder: HolderSession | str | None = None,
    ) -> dict[str, Any]: ...
    def interrupt(self) -> None:
        """From any thread: cut the call in flight; later calls fail fast until resume()."""

    def resume(self) -> None: ...


class Keys(Protocol):
    def load_master(self) -> bytes: ...
    def device_key(self) -> bytes: ...
    def card_ref(self, card_uid_hex: str) -> str: ...
