"""The virtual Breka card: a DESFire EV1 chip with the Breka-DF application, served via vpcd.

It emulates what the kiosk relies on (docs/breka-card.md): ISO-wrapped native commands,
AES three-pass authentication, the CMAC chain, access rights, and a transaction whose
credit and record writes live in a shadow copy until Commit. Abort, any error status,
a re-select, a new authentication and power-down discard the shadow. Commit saves the
state file before the answer leaves, so "applied, reply lost" is a real case here.

Tests can make the card spoil the CMAC of its next reply to a given INS
(`tamper_next_reply(ins)`), as a disturbed RF link or a forged answer would.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import cast

from kiosk.cardio import desfire_status as st
from kiosk.cardio.apdu import CommandApdu
from kiosk.cardio.breka import (
    INS_ABORT,
    INS_AUTHENTICATE_AES,
    INS_COMMIT,
    INS_CREDIT,
    INS_DEBIT,
    INS_GET_VALUE,
    INS_MORE,
    INS_READ_RECORDS,
    INS_SELECT,
    INS_WRITE_RECORD,
)
from kiosk.cardio.desfire_crypto import MacChain, cbc_decrypt, cbc_encrypt, rotl8, session_key
from kiosk_demo.breka_state import Application, CardState, RecordFile, ValueFile
from kiosk_demo.vpcd import VirtualCard

DESFIRE_ATR = bytes.fromhex("3B81800180 80".replace(" ", ""))
MAX_FRAME = 240  # reply bytes per frame before `91 AF` (keeps within a short APDU's 256)
FILE_NOT_FOUND = 0xF0
_MACED = (INS_GET_VALUE, INS_READ_RECORDS, INS_CREDIT, INS_DEBIT, INS_WRITE_RECORD)


class _Reject(Exception):
    def __init__(self, status: int):
        self.status = status


def _le(data: bytes) -> int:
    return int.from_bytes(data, "little")


class BrekaCard(VirtualCard):
    atr = DESFIRE_ATR

    def __init__(self, state: CardState, path: Path | None = None) -> None:
        self.state, self.path = state, Path(path) if path else None
        self.received: list[int] = []  # INS of every native command, for tests
        self.commits = 0  # commits applied (saved), for tests
        self._tamper: set[int] = set()
        self._end_volatile()

    @classmethod
    def open(cls, path: Path) -> BrekaCard:
        return cls(CardState.load(path), path)

    @property
    def uid(self) -> bytes:
        return self.state.uid

    # -- what tests may look at or inject ---------------------------------------
    def tamper_next_reply(self, ins: int) -> None:
        """Flip a bit in the CMAC of the next reply to `ins` (the card still acts on it)."""
        self._tamper.add(ins)

    @property
    def has_pending(self) -> bool:
        return self._pending_delta != 0 or self._pending_record is not None

    # -- power and volatile state -----------------------------------------------
    def _end_volatile(self) -> None:
        self._app: Application | None = None
        self._end_session()

    def _selected(self) -> Application:
        """The selected application: a session or an authentication step needs one."""
        if self._app is None:
            raise RuntimeError("BrekaCard: no application is selected (a session always has one)")
        return self._app

    def _end_session(self) -> None:
        """Drop authentication and the shadow copy (pending transaction)."""
        self._session: tuple[int, MacChain] | None = None
        self._auth_step: tuple[int, bytes, bytes] | None = None
        self._frames: list[bytes] = []
        self._pending_delta = 0
        self._pending_value_file: ValueFile | None = None
        self._pending_record: bytearray | None = None
        self._pending_record_file: RecordFile | None = None

    def power_on(self) -> None:
        self._end_volatile()

    def power_off(self) -> None:
        self._end_volatile()

    def reset(self) -> None:
        self._end_volatile()

    # -- APDU dispatch ------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        if apdu[:2] == b"\xff\xca":  # GET UID, answered for the reader (vpcd passes it on)
            return self.state.uid + b"\x90\x00"
        if apdu[0] != 0x90:
            return b"\x6e\x00"
        try:
            cmd = CommandApdu.parse(apdu)
        except ValueError:
            return self._fail(st.LENGTH_ERROR)
        self.received.append(cmd.ins)
        frames, auth_step = self._frames, self._auth_step
        self._frames, self._auth_step = [], None
        try:
            if cmd.ins == INS_MORE:
                if auth_step is not None:
                    return self._authenticate_finish(auth_step, cmd.data)
                if frames:
                    return self._send_frames(frames)
                raise _Reject(st.COMMAND_ABORTED)
            if cmd.ins == INS_SELECT:
                return self._select(cmd.data)
            if cmd.ins == INS_AUTHENTICATE_AES:
                return self._authenticate_start(cmd.data)
            if cmd.ins == INS_ABORT:
                self._end_session()
                return b"\x91\x00"
            if cmd.ins == INS_COMMIT:
                return self._commit()
            if cmd.ins in _MACED:
                return self._maced(cmd.ins, cmd.data)
            raise _Reject(st.COMMAND_ABORTED)
        except _Reject as rej:
            return self._fail(rej.status)

    def _fail(self, status: int) -> bytes:
        self._end_session()  # any error ends the session and discards the shadow
        return bytes((0x91, status))

    def _reply(self, ins: int, data: bytes = b"") -> bytes:
        if self._session is None:
            raise RuntimeError("BrekaCard: a reply needs the session its command came in")
        _key_no, chain = self._session
        mac = chain.reply(data, st.OK)
        if ins in self._tamper:
            self._tamper.discard(ins)
            mac = bytes((mac[0] ^ 0x01,)) + mac[1:]
        full = data + mac
        return self._send_frames([full[i : i + MAX_FRAME] for i in range(0, len(full), MAX_FRAME)])

    def _send_frames(self, frames: list[bytes]) -> bytes:
        first, self._frames = frames[0], frames[1:]
        return first + (b"\x91\xaf" if self._frames else b"\x91\x00")

    # -- select and authentication -------------------------------------------------
    def _select(self, data: bytes) -> bytes:
        if len(data) != 3:
            raise _Reject(st.LENGTH_ERROR)
        self._end_volatile()
        if data == b"\x00\x00\x00":
            return b"\x91\x00"  # the PICC level
        app = self.state.applications.get(data)
        if app is None:
            raise _Reject(st.APPLICATION_NOT_FOUND)
        self._app = app
        return b"\x91\x00"

    def _authenticate_start(self, data: bytes) -> bytes:
        self._end_session()
        if self._app is None:
            raise _Reject(st.APPLICATION_NOT_FOUND)
        if len(data) != 1:
            raise _Reject(st.LENGTH_ERROR)
        if data[0] >= len(self._app.keys):
            raise _Reject(st.PARAMETER_ERROR)
        rnd_b = os.urandom(16)
        enc = cbc_encrypt(self._app.keys[data[0]], bytes(16), rnd_b)
        self._auth_step = (data[0], rnd_b, enc)
        return enc + b"\x91\xaf"

    def _authenticate_finish(self, step: tuple[int, bytes, bytes], data: bytes) -> bytes:
        key_no, rnd_b, enc_rnd_b = step
        if len(data) != 32:
            raise _Reject(st.LENGTH_ERROR)
        key = self._selected().keys[key_no]
        plain = cbc_decrypt(key, enc_rnd_b, data)
        if not hmac.compare_digest(plain[16:], rotl8(rnd_b)):
            raise _Reject(st.AUTHENTICATION_ERROR)
        rnd_a = plain[:16]
        answer = cbc_encrypt(key, data[-16:], rotl8(rnd_a))
        self._session = (key_no, MacChain(session_key(rnd_a, rnd_b)))
        return answer + b"\x91\x00"

    # -- file commands in the CMAC chain ----------------------------------------------
    def _maced(self, ins: int, data: bytes) -> bytes:
        if self._session is None:
            raise _Reject(st.AUTHENTICATION_ERROR)
        if len(data) < 9:
            raise _Reject(st.LENGTH_ERROR)
        payload, mac = data[:-8], data[-8:]
        key_no, chain = self._session
        if not hmac.compare_digest(chain.command(ins, payload), mac):
            raise _Reject(st.INTEGRITY_ERROR)
        file = self._selected().files.get(payload[0])
        if file is None:
            raise _Reject(FILE_NOT_FOUND)
        a = file.access
        if ins in (INS_GET_VALUE, INS_CREDIT, INS_DEBIT):
            if not isinstance(file, ValueFile):
                raise _Reject(st.PARAMETER_ERROR)
            allowed = {
                INS_GET_VALUE: (a.read, a.write, a.read_write),
                INS_CREDIT: (a.read_write,),
                INS_DEBIT: (a.read, a.write, a.read_write),
            }[ins]
        else:
            if not isinstance(file, RecordFile):
                raise _Reject(st.PARAMETER_ERROR)
            allowed = (a.read, a.read_write) if ins == INS_READ_RECORDS else (a.write, a.read_write)
        if key_no not in allowed:
            raise _Reject(st.PERMISSION_DENIED)
        # The file's kind was checked against `ins` above.
        if ins == INS_GET_VALUE:
            return self._reply(ins, cast(ValueFile, file).value.to_bytes(4, "little", signed=True))
        if ins in (INS_CREDIT, INS_DEBIT):
            return self._change_value(ins, cast(ValueFile, file), payload[1:])
        if ins == INS_READ_RECORDS:
            return self._read_records(cast(RecordFile, file), payload[1:])
        return self._write_record(cast(RecordFile, file), payload[1:])

    def _change_value(self, ins: int, file: ValueFile, args: bytes) -> bytes:
        if len(args) != 4:
            raise _Reject(st.LENGTH_ERROR)
        amount = int.from_bytes(args, "little", signed=True)
        if amount <= 0:
            raise _Reject(st.PARAMETER_ERROR)
        delta = self._pending_delta + (amount if ins == INS_CREDIT else -amount)
        if not file.lower <= file.value + delta <= file.upper:
            raise _Reject(st.BOUNDARY_ERROR)
        if self._pending_value_file is not None and self._pending_value_file is not file:
            raise _Reject(st.COMMAND_ABORTED)  # one value file per transaction is all we need
        self._pending_delta, self._pending_value_file = delta, file
        return self._reply(ins)

    def _read_records(self, file: RecordFile, args: bytes) -> bytes:
        if len(args) != 6:
            raise _Reject(st.LENGTH_ERROR)
        offset, count = _le(args[:3]), _le(args[3:])
        newest_first = file.records[::-1]  # committed records only
        if offset > len(newest_first) or offset + count > len(newest_first):
            raise _Reject(st.BOUNDARY_ERROR)
        chosen = newest_first[offset : offset + count] if count else newest_first[offset:]
        return self._reply(INS_READ_RECORDS, b"".join(chosen))

    def _write_record(self, file: RecordFile, args: bytes) -> bytes:
        if len(args) < 7:
            raise _Reject(st.LENGTH_ERROR)
        offset, length, body = _le(args[:3]), _le(args[3:6]), args[6:]
        if length != len(body) or length == 0:
            raise _Reject(st.LENGTH_ERROR)
        if offset + length > file.record_size:
            raise _Reject(st.BOUNDARY_ERROR)
        if self._pending_record is None:
            self._pending_record = bytearray(file.record_size)
            self._pending_record_file = file
        elif self._pending_record_file is not file:
            raise _Reject(st.COMMAND_ABORTED)  # one record file per transaction is all we need
        self._pending_record[offset : offset + length] = body
        return self._reply(INS_WRITE_RECORD)

    def _commit(self) -> bytes:
        if self._session is None:
            if self.has_pending:  # cannot happen: pending changes need a session
                raise _Reject(st.AUTHENTICATION_ERROR)
            return b"\x91\x00"
        _key_no, chain = self._session
        chain.command(INS_COMMIT)
        if self.has_pending:
            if self._pending_value_file is not None:
                self._pending_value_file.value += self._pending_delta
            log = self._pending_record_file
            if log is not None:
                if self._pending_record is None:
                    raise RuntimeError("BrekaCard: a pending record file without its pending record")
                log.records.append(bytes(self._pending_record))
                del log.records[: -log.usable]
            self._pending_delta, self._pending_value_file = 0, None
            self._pending_record, self._pending_record_file = None, None
            if self.path is not None:
                self.state.save(self.path)  # durable before the answer leaves the card
            self.commits += 1
        return self._reply(INS_COMMIT)
