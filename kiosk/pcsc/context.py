"""PC/SC through pyscard's `scard` layer: the ONE module of the project that imports pyscard.

Why the raw `scard` API and not pyscard's high-level classes: we need exclusive access
with a shared fallback, power-down on disconnect, a context we can rebuild after the
smart-card service restarts, and our own supervised status-change loop (kiosk.pcsc.
monitor) instead of pyscard's monitor threads, which die silently.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from smartcard import scard

from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import (
    CardError,
    CardRemoved,
    NoCard,
    ReaderUnavailable,
    ServiceUnavailable,
    SharingViolation,
)

log = logging.getLogger(__name__)

INFINITE = 0xFFFFFFFF
_POWER_UP_RETRIES = 5
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1

# Codes that mean the service itself is gone: the context must be rebuilt.
_SERVICE_GONE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE}
_CARD_GONE = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
}
_READER_GONE = {scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_NO_READERS_AVAILABLE}

# Programs known to open PC/SC readers, to name a likely holder on a sharing violation
# (PC/SC itself never says who holds a reader).
_KNOWN_PCSC_USERS = (
    "scdaemon",
    "pcsc_scan",
    "opensc-tool",
    "pkcs11-tool",
    "scriptor",
    "gscriptor",
    "pcscd-proxy",
    "kiosk",
    "jpki",
    "myna",
    "chrome",
    "firefox",
)


def _message(code: int) -> str:
    return scard.SCardGetErrorMessage(code).strip()


def _raise(code: int, what: str, reader: str = "") -> None:
    if code == scard.SCARD_S_SUCCESS:
        return
    text = f"{what}: {_message(code)} (0x{code & 0xFFFFFFFF:08X})"
    if code in _SERVICE_GONE:
        raise ServiceUnavailable(text + " — is pcscd running?")
    if code in _CARD_GONE:
        raise CardRemoved(text)
    if code in _READER_GONE:
        raise ReaderUnavailable(text)
    if code == scard.SCARD_E_SHARING_VIOLATION:
        raise SharingViolation(reader, probable_holders())
    raise CardError(text)


def probable_holders() -> list[str]:
    """Running programs that commonly hold PC/SC readers (best effort, Linux /proc)."""
    found: set[str] = set()
    me = os.getpid()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
    except OSError:
        return []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm") as fh:
                name = fh.read().strip()
        except OSError:
            continue
        if any(name.startswith(known) for known in _KNOWN_PCSC_USERS):
            found.add(f"{name} (pid {pid})")
    return sorted(found)


@dataclass(frozen=True)
class ReaderState:
    reader: str
    present: bool
    atr: bytes
    event_count: int
    in_use: bool = False
    exclusive: bool = False


class PcscContext:
    """One PC/SC context, rebuilt transparently when the service restarted.

    Owned by one thread (the card worker); only `cancel()` may be called from others.
    """

    def __init__(self) -> None:
        self._hcontext: int | None = None
        self._lock = threading.Lock()

    def _context(self) -> int:
        if self._hcontext is not None and scard.SCardIsValidContext(self._hcontext) == scard.SCARD_S_SUCCESS:
            return self._hcontext
        if self._hcontext is not None:
            log.warning("PC/SC context lost (service restarted?); building a new one")
            self.release()
        code, hcontext = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _raise(code, "cannot reach the PC/SC service")
        with self._lock:
            self._hcontext = hcontext
        return hcontext

    def _retrying(self, call):
        """Run `call(hcontext)`; on a dead service, rebuild the context once and retry."""
        try:
            return call(self._context())
        except ServiceUnavailable:
            self.release()
            return call(self._context())

    def release(self) -> None:
        with self._lock:
            hcontext, self._hcontext = self._hcontext, None
        if hcontext is not None:
            scard.SCardReleaseContext(hcontext)

    def cancel(self) -> None:
        """Wake a blocking get_status_change from another thread."""
        with self._lock:
            hcontext = self._hcontext
        if hcontext is not None:
            scard.SCardCancel(hcontext)

    def list_readers(self) -> list[str]:
        def call(hcontext: int) -> list[str]:
            code, readers = scard.SCardListReaders(hcontext, [])
            if code in (scard.SCARD_E_NO_READERS_AVAILABLE,):
                return []
            _raise(code, "cannot list readers")
            return list(readers)

        return self._retrying(call)

    def get_status_change(self, known: dict[str, int], timeout_ms: int) -> list[ReaderState] | None:
        """Block until a reader in `known` (name -> last event state) changes.

        Returns the new states, or None on timeout or cancel. `known` may include the
        special reader "\\\\?PnP?\\Notification" to wake on readers being added.
        """

        def call(hcontext: int):
            states = [(name, state) for name, state in known.items()]
            code, new = scard.SCardGetStatusChange(hcontext, timeout_ms, states)
            if code in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                return None
            _raise(code, "reader status")
            out = []
            for name, event_state, atr in new:
                out.append(
                    ReaderState(
                        reader=name,
                        present=bool(event_state & scard.SCARD_STATE_PRESENT),
                        atr=bytes(atr),
                        event_count=(event_state >> 16) & 0xFFFF,
                        in_use=bool(event_state & scard.SCARD_STATE_INUSE),
                        exclusive=bool(event_state & scard.SCARD_STATE_EXCLUSIVE),
                    )
                    if not event_state & scard.SCARD_STATE_UNKNOWN
                    else ReaderState(name, False, b"", -1)
                )
                known[name] = event_state & ~scard.SCARD_STATE_CHANGED
            return out

        return self._retrying(call)

    def connect(self, reader: str, exclusive: bool = True) -> PcscConnection:
        """Connect to the card in `reader`; exclusive first, shared on a sharing violation."""

        def call(hcontext: int) -> PcscConnection:
            mode = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
            code, hcard, protocol = scard.SCardConnect(hcontext, reader, mode, _PROTOCOLS)
            if code == scard.SCARD_E_SHARING_VIOLATION and exclusive:
                holders = probable_holders()
                log.warning(
                    "reader %r is held by another program%s; falling back to shared access",
                    reader,
                    f" ({', '.join(holders)})" if holders else "",
                )
                mode = scard.SCARD_SHARE_SHARED
                code, hcard, protocol = scard.SCardConnect(hcontext, reader, mode, _PROTOCOLS)
            for attempt in range(_POWER_UP_RETRIES):
                # Right after an insertion pcscd may still be powering the card up and
                # answers "unpowered"; the next attempt finds it ready.
                if code != scard.SCARD_W_UNPOWERED_CARD:
                    break
                time.sleep(0.02 * (attempt + 1))
                code, hcard, protocol = scard.SCardConnect(hcontext, reader, mode, _PROTOCOLS)
            if code in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD):
                raise NoCard(f"no card in {reader!r}")
            _raise(code, f"cannot connect to {reader!r}", reader)
            return PcscConnection(hcard, protocol, reader, shared=mode == scard.SCARD_SHARE_SHARED)

        return self._retrying(call)

    def __enter__(self) -> PcscContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class PcscConnection(Connection):
    def __init__(self, hcard: int, protocol: int, reader: str, shared: bool):
        self._hcard: int | None = hcard
        self._protocol = protocol
        self.reader = reader
        self.shared = shared
        self.card_gone = False
        code, _reader, _state, _proto, atr = scard.SCardStatus(hcard)
        _raise(code, "card status", reader)
        self.atr = bytes(atr)

    @property
    def protocol_name(self) -> str:
        """The protocol pcscd negotiated: "T=0", "T=1" (contactless cards run as T=1) or "raw"."""
        return {scard.SCARD_PROTOCOL_T0: "T=0", scard.SCARD_PROTOCOL_T1: "T=1"}.get(self._protocol, "raw")

    def transmit_raw(self, apdu: bytes) -> bytes:
        if self._hcard is None:
            raise CardRemoved("connection closed")
        code, response = scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        try:
            _raise(code, "transmit", self.reader)
            if len(response) < 2:
                # vpcd (and some readers) answer a vanished card with an empty response.
                raise CardRemoved(f"no answer from the card in {self.reader!r}")
        except CardRemoved:
            self.card_gone = True
            raise
        return bytes(response)

    def close(self, unpower: bool = True) -> None:
        """Disconnect; power the card down so that a verified PIN does not outlive us.

        A card that already left is not powered down: pcscd (1.9, vpcd) answers that
        with an error and then ignores the next card inserted into that reader.
        """
        hcard, self._hcard = self._hcard, None
        if hcard is not None:
            if unpower and not self.card_gone:
                # The card may have left between two commands: ask before powering down.
                code = scard.SCardStatus(hcard)[0]
                self.card_gone = code in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD)
            disposition = scard.SCARD_UNPOWER_CARD if unpower and not self.card_gone else scard.SCARD_LEAVE_CARD
            code = scard.SCardDisconnect(hcard, disposition)
            if code != scard.SCARD_S_SUCCESS:
                log.debug("disconnect from %s: %s", self.reader, _message(code))


def list_readers() -> list[str]:
    with PcscContext() as ctx:
        return ctx.list_readers()
