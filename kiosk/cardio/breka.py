"""A session with the Breka-DF application of a Breka card (docs/breka-card.md).

One `BrekaSession` per card tap: the constructor reads the UID and selects the
application; verbs are methods. After `authenticate`, every command and reply runs
through one CMAC chain; a reply whose CMAC does not verify raises IntegrityError and
is to be treated exactly like a lost reply. Error statuses raise the exceptions of
kiosk.cardio.desfire_status. Master keys come from the OS keyring (kiosk.secrets);
only the per-card diversified key is used on the wire, and no key reaches a log.
"""

from __future__ import annotations

import os
import struct
import uuid
from dataclasses import dataclass

from kiosk.cardio import desfire_status as st
from kiosk.cardio.apdu import CommandApdu, ResponseApdu
from kiosk.cardio.connection import LONG_COMMIT, Connection
from kiosk.cardio.desfire_crypto import MacChain, cbc_decrypt, cbc_encrypt, diversify, rotl8, session_key
from kiosk.cardio.errors import CardError, IntegrityError

AID = bytes((0x42, 0x52, 0x4B))  # on the wire, least significant byte first
VALUE_FILE = 0x01
LOG_FILE = 0x02
KEY_MASTER, KEY_LOAD, KEY_DEBIT, KEY_READ, KEY_SPARE = range(5)
RECORD_SIZE = 32
LOG_USABLE_RECORDS = 10
UPPER_LIMIT = 1_000_000
TYPE_LOAD, TYPE_REVERSAL = 0x01, 0x02

CLA = 0x90
INS_GET_UID = 0xCA  # with CLA FF: answered by the reader (PC/SC part 3)
INS_SELECT = 0x5A
INS_AUTHENTICATE_AES = 0xAA
INS_MORE = 0xAF
INS_READ_RECORDS = 0xBB
INS_GET_VALUE = 0x6C
INS_CREDIT = 0x0C
INS_DEBIT = 0xDC
INS_WRITE_RECORD = 0x3B
INS_COMMIT = 0xC7
INS_ABORT = 0xA7

_RECORD = struct.Struct("<16siIHIBB")  # load_id, delta, balance_after, terminal, time, type, reserved


class NotABrekaCard(CardError):
    """The card answered in a way no Breka-DF card does (wrong UID length, bad framing)."""


@dataclass(frozen=True)
class LoadRecord:
    """One record of the card's load log (32 bytes, little endian)."""

    load_id: uuid.UUID
    delta: int
    balance_after: int
    terminal_no: int
    unix_time: int
    type: int = TYPE_LOAD

    def to_bytes(self) -> bytes:
        return _RECORD.pack(
            self.load_id.bytes, self.delta, self.balance_after, self.terminal_no, self.unix_time, self.type, 0
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> LoadRecord:
        load_id, delta, after, terminal, when, kind, _reserved = _RECORD.unpack(raw)
        return cls(uuid.UUID(bytes=load_id), delta, after, terminal, when, kind)


def card_key(master: bytes, uid: bytes, key_no: int) -> bytes:
    """The key `key_no` of the card `uid`, diversified from its master key."""
    return diversify(master, uid, AID, key_no)


def _apdu(ins: int, data: bytes = b"") -> CommandApdu:
    return CommandApdu(CLA, ins, 0, 0, data, le=256)


class BrekaSession:
    """UID, select and the Breka-DF verbs on one connected card."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._chain: MacChain | None = None
        self.apdu_count = 0
        self.uid = self._read_uid()
        self.select()

    @property
    def authenticated(self) -> bool:
        return self._chain is not None

    def _transmit(self, apdu: CommandApdu) -> ResponseApdu:
        self.apdu_count += 1
        return self._conn.transmit(apdu)

    def _read_uid(self) -> bytes:
        resp = self._transmit(CommandApdu(0xFF, INS_GET_UID, 0, 0, le=256))
        if not resp.ok:
            raise NotABrekaCard(f"the reader gave no UID (SW {resp.sw:04X})")
        if len(resp.data) != 7:
            raise NotABrekaCard(f"a DESFire UID is 7 bytes, got {len(resp.data)}")
        return resp.data

    def _native(self, ins: int, data: bytes = b"") -> tuple[bytes, int]:
        """Send one native command, follow `91 AF` frames; returns (data, status)."""
        resp = self._transmit(_apdu(ins, data))
        out = bytearray(resp.data)
        while resp.sw1 == st.SW1_DESFIRE and resp.sw2 == st.ADDITIONAL_FRAME and ins != INS_AUTHENTICATE_AES:
            resp = self._transmit(_apdu(INS_MORE))
            out += resp.data
        if resp.sw1 != st.SW1_DESFIRE:
            self._chain = None
            raise NotABrekaCard(f"not a DESFire answer: SW {resp.sw:04X}")
        return bytes(out), resp.sw2

    def _secure(self, ins: int, payload: bytes = b"", *, mac_command: bool = True) -> bytes:
        """A command in the session's CMAC chain; returns the verified reply data."""
        chain = self._chain
        if chain is None:
            raise st.AuthenticationError()
        mac = chain.command(ins, payload)
        try:
            data, status = self._native(ins, payload + mac if mac_command else payload)
        except BaseException:
            self._chain = None  # a reply we never saw leaves the chain unusable
            raise
        if status != st.OK:
            self._chain = None
            raise st.error_for_status(status)
        if len(data) < 8 or not chain.verify_reply(data[:-8], status, data[-8:]):
            self._chain = None
            raise IntegrityError(f"reply to INS {ins:02X} failed its CMAC check")
        return data[:-8]

    def select(self) -> None:
        """Select the Breka application (this also ends any session and pending transaction)."""
        self._chain = None
        _data, status = self._native(INS_SELECT, AID)
        if status != st.OK:
            raise st.error_for_status(status)

    def authenticate(self, key_no: int, key: bytes) -> None:
        """AES three-pass authentication with the card's (already diversified) key."""
        self._chain = None
        enc_rnd_b, status = self._native(INS_AUTHENTICATE_AES, bytes((key_no,)))
        if status != st.ADDITIONAL_FRAME:
            raise st.error_for_status(status)
        if len(enc_rnd_b) != 16:
            raise st.DesfireLengthError()
        rnd_b = cbc_decrypt(key, bytes(16), enc_rnd_b)
        rnd_a = os.urandom(16)
        token = cbc_encrypt(key, enc_rnd_b, rnd_a + rotl8(rnd_b))
        enc_rnd_a, status = self._native(INS_MORE, token)
        if status != st.OK:
            raise st.error_for_status(status)
        if len(enc_rnd_a) != 16 or cbc_decrypt(key, token[-16:], enc_rnd_a) != rotl8(rnd_a):
            raise st.AuthenticationError()  # the card does not hold the key: not genuine
        self._chain = MacChain(session_key(rnd_a, rnd_b))

    def authenticate_with_master(self, key_no: int, master: bytes) -> None:
        self.authenticate(key_no, card_key(master, self.uid, key_no))

    def load_records(self, count: int = 0) -> list[LoadRecord]:
        """The newest `count` load records (0: all), newest first, as committed."""
        payload = bytes((LOG_FILE,)) + (0).to_bytes(3, "little") + count.to_bytes(3, "little")
        data = self._secure(INS_READ_RECORDS, payload)
        if len(data) % RECORD_SIZE:
            raise NotABrekaCard("load log data is not whole records")
        return [LoadRecord.from_bytes(data[i : i + RECORD_SIZE]) for i in range(0, len(data), RECORD_SIZE)]

    def balance(self) -> int:
        """The committed balance (a pending credit is not visible until commit)."""
        data = self._secure(INS_GET_VALUE, bytes((VALUE_FILE,)))
        if len(data) != 4:
            raise NotABrekaCard("value is 4 bytes")
        return int.from_bytes(data, "little", signed=True)

    def credit(self, amount: int) -> None:
        if not 0 < amount <= UPPER_LIMIT:
            raise ValueError(f"credit amount out of range: {amount}")
        self._secure(INS_CREDIT, bytes((VALUE_FILE,)) + amount.to_bytes(4, "little"))

    def debit(self, amount: int) -> None:
        """Take points off the value file (a correction's reversal; the card's access rights let
        the load key K1 do it, as DESFire allows a debit with the read-write key)."""
        if not 0 < amount <= UPPER_LIMIT:
            raise ValueError(f"debit amount out of range: {amount}")
        self._secure(INS_DEBIT, bytes((VALUE_FILE,)) + amount.to_bytes(4, "little"))

    def write_load_record(self, record: LoadRecord) -> None:
        header = bytes((LOG_FILE,)) + (0).to_bytes(3, "little") + RECORD_SIZE.to_bytes(3, "little")
        self._secure(INS_WRITE_RECORD, header + record.to_bytes())

    def commit(self) -> None:
        """Make the pending credit and record valid together; returns only on a verified reply."""
        self._conn.announce(LONG_COMMIT)  # EEPROM writes: the card must stay in the field
        self._secure(INS_COMMIT, mac_command=False)

    def abort(self) -> None:
        """Discard the pending transaction; the card also ends the session."""
        self._chain = None
        _data, status = self._native(INS_ABORT)
        if status != st.OK:
            raise st.error_for_status(status)
