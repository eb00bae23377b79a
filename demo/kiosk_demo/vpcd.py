"""The virtual-card side of vpcd (vsmartcard): a card process that pcscd sees in a reader.

vpcd (the pcscd driver) listens on TCP, 35963 for the first slot; a virtual card connects
to it, and while connected the reader holds a card. Every frame in both directions is a
2-byte big-endian length and a payload. From the driver, a 1-byte payload is a control
(0 power off, 1 power on, 2 reset, 4 get ATR; only "get ATR" is answered), anything
longer is a command APDU, answered by one response APDU.

Without TCP_NODELAY and TCP_QUICKACK every APDU costs ~48 ms here (Nagle + delayed ACK);
Linux clears QUICKACK after use, so it is re-armed before every receive.

A behaviour profile (kiosk_demo.card_profiles) shapes the answers here, on the card's side
of the link: T=0 framing, timing, and the card dropping out of the field now and then.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from abc import ABC, abstractmethod
from enum import Enum

from kiosk_demo.card_profiles import RESET_GAP_S, Profile, Shaper
from kiosk_demo.t0_transport import T0Transport, t0_atr

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, CTRL_GET_ATR = 0, 1, 2, 4


class VirtualCard(ABC):
    """A card as the chip sees it: an ATR, power events and one APDU at a time."""

    atr: bytes

    def power_on(self) -> None:
        """Cold start: volatile state (verified PINs, sessions, pending writes) is gone."""

    def power_off(self) -> None:
        """Power is cut (also when the card leaves the field)."""

    def reset(self) -> None:
        """Warm reset. Real My Number Cards keep a verified PIN across it (jpki.md §4)."""

    @abstractmethod
    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with data + SW1 SW2."""


class RemoveMode(str, Enum):
    BEFORE = "before"  # the card leaves before acting on the N-th APDU
    AFTER = "after"  # the card acts on it, then leaves before the answer goes out


class CardRemoved(Exception):
    """The link was closed (removal injected, asked for, or the driver went away)."""


class _Torn(Exception):
    def __init__(self, mode: str):
        self.mode = mode


class VpcdLink:
    """One card in one vpcd slot: connect = insert, close = remove."""

    def __init__(
        self,
        card: VirtualCard,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        remove_after: int | None = None,
        remove_mode: RemoveMode | str = RemoveMode.BEFORE,
        profile: Profile | None = None,
    ):
        if remove_after is not None and remove_after < 1:
            raise ValueError("remove_after counts APDUs from 1")
        self.card, self.host, self.port = card, host, port
        self.remove_after, self.remove_mode = remove_after, RemoveMode(remove_mode)
        self.apdu_count = 0  # commands the card acted on (not GET RESPONSE, not a 6Cxx repeat)
        self.shaper = Shaper(profile)
        self._t0 = T0Transport() if self.shaper.profile.t0 else None
        self.drop_outs = 0
        self._acted = False
        self._stopped = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def connect(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise ConnectionError(
                        f"cannot reach vpcd at {self.host}:{self.port} (is pcscd running "
                        f"with the vsmartcard-vpcd driver?): {exc}"
                    ) from exc
                time.sleep(0.1)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sock = sock

    def serve(self) -> str:
        """Answer the driver until the card is removed; returns why it stopped."""
        if self._sock is None:
            self.connect()
        try:
            while True:
                frame = self._receive()
                if len(frame) == 1:
                    self._control(frame[0])
                    continue
                started = time.monotonic()
                if self.shaper.reset_now():
                    if not self._drop_out():
                        return "removed"
                    continue
                self._acted = False
                answer = self._t0.exchange(frame, self._act) if self._t0 else self._act(frame)
                self.shaper.wait(frame, answer, started, worked=self._acted)
                self._send(answer)
        except _Torn as torn:
            return self._removed(torn.mode, frame)
        except CardRemoved:
            return "removed"
        finally:
            self.close()

    def _act(self, frame: bytes) -> bytes:
        """The card itself receives a command (counted for removal injection)."""
        self.apdu_count += 1
        self._acted = True
        self.shaper.note_received(frame)
        removing = self.remove_after is not None and self.apdu_count >= self.remove_after
        if removing and self.remove_mode is RemoveMode.BEFORE:
            raise _Torn("before")
        answer = self.card.process(frame)
        if removing:
            raise _Torn("after")
        return answer

    def _drop_out(self) -> bool:
        """The card leaves the field between two commands and comes back (a brown-out).

        vpcd gives a card no way to signal a reset itself: the link goes down (the pending
        command is lost, pcscd answers the host's transmit with an error) and comes back
        after pcscd has polled the empty reader, so pcscd counts a removal and a new card.
        Returns False if the card was taken out meanwhile.
        """
        self.drop_outs += 1
        log.info("card dropped out of the field before command #%d", self.shaper.commands)
        self._disconnect()
        time.sleep(RESET_GAP_S)
        if self._stopped:
            return False
        try:
            self.connect()
        except ConnectionError:
            return False
        return not self._stopped

    def close(self) -> None:
        """Take the card out of the reader (safe from any thread, idempotent)."""
        self._stopped = True
        self._disconnect()

    def _disconnect(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
            self.card.power_off()
            if self._t0 is not None:
                self._t0.clear()

    def _removed(self, mode: str, frame: bytes) -> str:
        log.info("card removed %s APDU #%d (INS %02X)", mode, self.apdu_count, frame[1])
        return f"removed-{mode}"

    def _control(self, code: int) -> None:
        if code != CTRL_GET_ATR and self._t0 is not None:
            self._t0.clear()
        if code == CTRL_GET_ATR:
            self._send(t0_atr(self.card.atr) if self._t0 is not None else self.card.atr)
        elif code == CTRL_POWER_ON:
            self.card.power_on()
        elif code == CTRL_POWER_OFF:
            self.card.power_off()
        elif code == CTRL_RESET:
            self.card.reset()
        else:
            log.warning("unknown vpcd control %d ignored", code)

    def _receive(self) -> bytes:
        (length,) = struct.unpack(">H", self._read_exact(2))
        return self._read_exact(length)

    def _read_exact(self, n: int) -> bytes:
        sock = self._sock
        if sock is None:
            raise CardRemoved()
        buf = bytearray()
        while len(buf) < n:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                chunk = sock.recv(n - len(buf))
            except OSError as exc:
                raise CardRemoved() from exc
            if not chunk:
                raise CardRemoved()
            buf += chunk
        return bytes(buf)

    def _send(self, payload: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise CardRemoved()
        try:
            sock.sendall(struct.pack(">H", len(payload)) + payload)
        except OSError as exc:
            raise CardRemoved() from exc


class CardInReader:
    """A virtual card served from a background thread, for tests and the demo panel.

    `insert()` connects and returns once the link is up; `remove()` takes the card out.
    Removal injection (`remove_after`) ends the thread by itself, as a tear would.
    """

    def __init__(
        self, card: VirtualCard, port: int = DEFAULT_PORT, host: str = "127.0.0.1", profile: Profile | None = None
    ):
        self.card, self.port, self.host, self.profile = card, port, host, profile
        self._link: VpcdLink | None = None
        self._thread: threading.Thread | None = None
        self.outcome: str | None = None

    def insert(
        self,
        remove_after: int | None = None,
        remove_mode: RemoveMode | str = "before",
        profile: Profile | None = None,
    ) -> CardInReader:
        self.remove()
        link = VpcdLink(self.card, self.host, self.port, remove_after, remove_mode, profile or self.profile)
        link.connect()
        self._link, self.outcome = link, None
        self._thread = threading.Thread(target=self._run, args=(link,), name=f"vpcd-{self.port}", daemon=True)
        self._thread.start()
        return self

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def apdu_count(self) -> int:
        return self._link.apdu_count if self._link else 0

    @property
    def link(self) -> VpcdLink | None:
        return self._link

    def remove(self) -> None:
        if self._link is not None:
            self._link.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._link = self._thread = None

    def wait_removed(self, timeout: float = 5.0) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _run(self, link: VpcdLink) -> None:
        self.outcome = link.serve()

    def __enter__(self) -> CardInReader:
        return self if self.inserted else self.insert()

    def __exit__(self, *exc: object) -> None:
        self.remove()
