"""A virtual My Number Card, built to jpki.md "What the virtual My Number Card must emulate".

It follows the facts about real cards, not the kiosk's convenience, so that JPKI software
nobody here wrote (OpenSC's jpki driver) treats it as a card. Persistent memory (keys,
certificates, PIN counters) lives in a CardState saved to a file on every counter change;
what a real card forgets at power-down (selection, verified PINs) lives only here.

The other applications (券面事項入力補助AP, 券面AP, 住基AP) exist empty: they answer SELECT
and record it, so a test can prove the kiosk never goes there. They hold no data at all,
certainly no individual number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from kiosk_demo.mynumber_state import AUTH_PIN_TRIES, SIGN_PASSWORD_TRIES, CardState
from kiosk_demo.vpcd import VirtualCard

log = logging.getLogger(__name__)

# A contactless My Number ATR as a PC/SC reader builds it from the ATQB (jpki.md §1).
MYNUMBER_ATR = bytes.fromhex("3B888001000005E0B381A1007F")

AID_JPKI = bytes.fromhex("D392F000260100000001")
FOREIGN_APS = {
    bytes.fromhex("D3921000310001010408"): "券面事項入力補助AP",
    bytes.fromhex("D3921000310001010402"): "券面AP",
    bytes.fromhex("D3921000310001010401"): "住基AP",
    bytes.fromhex("D3921000310001010100"): "共通AP",
}

SW_OK = b"\x90\x00"
SW_EOF_BEFORE_LE = b"\x62\x82"
SW_WRONG_LENGTH = b"\x67\x00"
SW_LOGICAL_CHANNEL = b"\x68\x81"
SW_SECURITY = b"\x69\x82"
SW_BLOCKED = b"\x69\x84"
SW_NO_CURRENT_EF = b"\x69\x86"
SW_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_OFFSET = b"\x6b\x00"
SW_INS = b"\x6d\x00"
SW_CLA = b"\x6e\x00"
SW_TECHNICAL = b"\x6f\x00"

# EF ids of the JPKI AP
EF_SIGN_CERT, EF_SIGN_CA, EF_TOKEN, EF_CERT_FLAGS = 0x0001, 0x0002, 0x0006, 0x0008
EF_AUTH_CERT, EF_AUTH_CA = 0x000A, 0x000B
EF_AUTH_KEY, EF_AUTH_PIN, EF_SIGN_KEY, EF_SIGN_PIN = 0x0017, 0x0018, 0x001A, 0x001B

TOKEN_FILE_SIZE = 160  # MC: the token file is 160 bytes; the first 32 are the token text

_DIGEST_INFO_PREFIXES = {
    bytes.fromhex("3021300906052b0e03021a05000414"): hashes.SHA1(),
    bytes.fromhex("302d300d06096086480165030402040500041c"): hashes.SHA224(),
    bytes.fromhex("3031300d060960864801650304020105000420"): hashes.SHA256(),
    bytes.fromhex("3041300d060960864801650304020205000430"): hashes.SHA384(),
    bytes.fromhex("3051300d060960864801650304020305000440"): hashes.SHA512(),
}


@dataclass
class ForeignSelect:
    """A SELECT that reached an application other than JPKI (what the tests look for)."""

    application: str
    apdu: bytes


@dataclass
class _Pin:
    ef: int
    key_ef: int
    max_tries: int
    tries_field: str


_PINS = {
    EF_AUTH_PIN: _Pin(EF_AUTH_PIN, EF_AUTH_KEY, AUTH_PIN_TRIES, "auth_tries"),
    EF_SIGN_PIN: _Pin(EF_SIGN_PIN, EF_SIGN_KEY, SIGN_PASSWORD_TRIES, "sign_tries"),
}


@dataclass
class _Volatile:
    """What power-down forgets."""

    application: str | None = None  # "JPKI", a foreign AP name, or None
    ef: int | None = None
    verified: set[int] = field(default_factory=set)  # PIN EFs verified since power-on


class MyNumberCard(VirtualCard):
    atr = MYNUMBER_ATR

    def __init__(self, state: CardState, state_path: Path | None = None):
        self.state = state
        self.state_path = Path(state_path) if state_path else None
        self._v = _Volatile()
        self.foreign_selects: list[ForeignSelect] = []
        self.received: list[bytes] = []  # every command, VERIFY data blanked
        self.power_cycles = 0
        self._keys = {EF_AUTH_KEY: state.private_key("auth"), EF_SIGN_KEY: state.private_key("sign")}
        token = state.token.encode("ascii").ljust(32, b" ")
        self._files = {
            EF_SIGN_CERT: state.der("sign_cert"),
            EF_SIGN_CA: state.der("sign_ca_cert"),
            EF_TOKEN: token.ljust(TOKEN_FILE_SIZE, b"\x00"),
            EF_CERT_FLAGS: b"\x8f\x8f\x00",
            EF_AUTH_CERT: state.der("auth_cert"),
            EF_AUTH_CA: state.der("auth_ca_cert"),
        }

    @classmethod
    def open(cls, state_path: Path | str) -> MyNumberCard:
        return cls(CardState.load(Path(state_path)), Path(state_path))

    # -- power -------------------------------------------------------------------
    def power_on(self) -> None:
        self._v = _Volatile()
        self.power_cycles += 1

    def power_off(self) -> None:
        self._v = _Volatile()

    def reset(self) -> None:
        # Warm reset: selection is lost; a verified PIN is kept (MC, jpki.md §4).
        self._v = _Volatile(verified=set(self._v.verified))

    @property
    def verified(self) -> frozenset[int]:
        return frozenset(self._v.verified)

    def tries(self, pin_ef: int = EF_AUTH_PIN) -> int:
        return getattr(self.state, _PINS[pin_ef].tries_field)

    # -- APDUs ---------------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        try:
            return self._process(apdu)
        except Exception:  # noqa: BLE001 - a chip answers 6F00, it does not vanish
            log.exception("virtual My Number Card: internal error on %s", apdu[:4].hex(" "))
            return SW_TECHNICAL

    def _process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins, p1, p2 = apdu[:4]
        self.received.append(apdu[:5] + b"\x00" * (len(apdu) - 5) if ins == 0x20 else apdu)
        try:
            data, le = _parse_short(apdu[4:])
        except ValueError:
            return SW_WRONG_LENGTH
        if cla & 0x03:
            return SW_LOGICAL_CHANNEL  # only channel 0 works (MC)
        if cla == 0x00:
            if ins == 0xA4:
                return self._select(apdu, p1, p2, data)
            if ins == 0xB0:
                return self._read_binary(p1, p2, data, le)
            if ins == 0x20:
                return self._verify(p1, p2, data)
            return SW_INS
        if cla == 0x80:
            if ins == 0x2A:
                return self._sign(p1, p2, data)
            return SW_INS
        return SW_CLA

    def _select(self, apdu: bytes, p1: int, p2: int, data: bytes) -> bytes:
        v = self._v
        if p1 == 0x04:
            if not 1 <= len(data) <= 16:
                return SW_WRONG_LENGTH
            if data == AID_JPKI:
                if p2 != 0x0C:
                    return SW_WRONG_P1P2
                v.application, v.ef = "JPKI", None
                return SW_OK
            if data in FOREIGN_APS:
                self.foreign_selects.append(ForeignSelect(FOREIGN_APS[data], apdu))
                v.application, v.ef = FOREIGN_APS[data], None
                return SW_OK
            return SW_NOT_FOUND
        if p1 == 0x02:
            if len(data) != 2:
                return SW_WRONG_LENGTH
            if v.application is None:
                return SW_NOT_FOUND
            if v.application != "JPKI":
                # The foreign APs are present but opaque: record, find nothing.
                self.foreign_selects.append(ForeignSelect(v.application, apdu))
                return SW_NOT_FOUND
            fid = int.from_bytes(data, "big")
            if p2 != 0x0C:
                return SW_WRONG_P1P2
            if fid in self._files or fid in _PINS or fid in self._keys:
                v.ef = fid
                return SW_OK
            return SW_NOT_FOUND
        if p1 == 0x00:
            # The MF is not selectable: 3F00 answers 6A82, an empty SELECT 6A86 (MC).
            return SW_NOT_FOUND if data else SW_WRONG_P1P2
        return SW_WRONG_P1P2  # select by path, parent, child DF: not on this card

    def _readable(self, fid: int) -> bytes | None:
        if fid == EF_SIGN_CERT and EF_SIGN_PIN not in self._v.verified:
            return None
        return self._files[fid]

    def _read_binary(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        v = self._v
        if data or le is None:
            return SW_WRONG_LENGTH
        if v.application != "JPKI":
            return SW_NO_CURRENT_EF
        fid: int | None
        if p1 & 0x80:  # short EF identifier form: P1 = 80|SFI, P2 = 8-bit offset
            fid, offset = p1 & 0x1F, p2
            if fid not in self._files:
                return SW_NOT_FOUND
            v.ef = fid
        else:
            fid, offset = v.ef, (p1 << 8) | p2
            if fid is None or fid not in self._files:
                return SW_NO_CURRENT_EF
        content = self._readable(fid)
        if content is None:
            return SW_SECURITY
        if offset >= len(content):
            return SW_OFFSET
        chunk = content[offset : offset + le]
        return chunk + (SW_OK if len(chunk) == le else SW_EOF_BEFORE_LE)

    def _verify(self, p1: int, p2: int, data: bytes) -> bytes:
        v = self._v
        if v.application != "JPKI":
            return SW_NO_CURRENT_EF if v.application is None else SW_NOT_FOUND
        if p1 != 0x00:
            return SW_WRONG_P1P2
        if p2 == 0x80:
            if v.ef not in _PINS:
                return SW_NO_CURRENT_EF
            pin = _PINS[v.ef]
        elif p2 & 0x80 and (p2 & 0x1F) in _PINS:  # SFI form, e.g. 98 for EF 0018
            pin = _PINS[p2 & 0x1F]
        else:
            return SW_WRONG_P1P2
        tries = getattr(self.state, pin.tries_field)
        if not data:
            # The retry-counter query spends nothing (JICSAP 6.4.9(5)). A locked PIN
            # reports 0 tries; only a VERIFY with data answers 6984.
            return bytes((0x63, 0xC0 | tries))
        if tries == 0:
            return SW_BLOCKED
        matches = self.state.auth_pin_matches(data) if pin.ef == EF_AUTH_PIN else self.state.sign_password_matches(data)
        # One atomic step from the host's view: the counter is on disk before any
        # answer leaves, so a card pulled right after acting keeps the right count.
        if matches:
            v.verified.add(pin.ef)
            self._set_tries(pin, pin.max_tries)
            return SW_OK
        v.verified.discard(pin.ef)
        self._set_tries(pin, tries - 1)
        return bytes((0x63, 0xC0 | (tries - 1)))

    def _set_tries(self, pin: _Pin, value: int) -> None:
        if getattr(self.state, pin.tries_field) == value:
            return
        setattr(self.state, pin.tries_field, value)
        if self.state_path is not None:
            self.state.save(self.state_path)

    def _sign(self, p1: int, p2: int, data: bytes) -> bytes:
        v = self._v
        if v.application != "JPKI":
            return SW_NO_CURRENT_EF if v.application is None else SW_INS
        if p1 != 0x00:
            return SW_WRONG_P1P2  # on-card hashing (P1 01-05) is not emulated
        if p2 == 0x80:
            key_ef = v.ef
        elif p2 in (0x97, 0x9A):
            key_ef = p2 & 0x1F
        else:
            return SW_WRONG_P1P2
        if key_ef not in self._keys:
            return SW_NO_CURRENT_EF
        pin_ef = EF_AUTH_PIN if key_ef == EF_AUTH_KEY else EF_SIGN_PIN
        if pin_ef not in v.verified:
            return SW_SECURITY
        key = self._keys[key_ef]
        if not data or len(data) > key.key_size // 8 - 11:
            return SW_WRONG_LENGTH
        return pkcs1_type1_sign(key, data) + SW_OK


def pkcs1_type1_sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """PKCS#1 v1.5 type-1 pad the bytes as received, then the RSA private operation.

    The card does not hash and does not look inside. A recognised DigestInfo goes through
    OpenSSL (fast); anything else through the same maths by hand (CRT).
    """
    for prefix, algorithm in _DIGEST_INFO_PREFIXES.items():
        if data.startswith(prefix) and len(data) == len(prefix) + algorithm.digest_size:
            return key.sign(data[len(prefix) :], padding.PKCS1v15(), utils.Prehashed(algorithm))
    k = key.key_size // 8
    em = b"\x00\x01" + b"\xff" * (k - 3 - len(data)) + b"\x00" + data
    n = key.private_numbers()
    m = int.from_bytes(em, "big")
    s1, s2 = pow(m, n.dmp1, n.p), pow(m, n.dmq1, n.q)
    h = (n.iqmp * (s1 - s2)) % n.p
    return (s2 + h * n.q).to_bytes(k, "big")


def _parse_short(body: bytes) -> tuple[bytes, int | None]:
    """Lc/data/Le of a short APDU body; extended lengths are refused (short APDUs only)."""
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0] or 256
    lc = body[0]
    if lc == 0:
        raise ValueError("extended length")
    if len(body) == 1 + lc:
        return body[1:], None
    if len(body) == 2 + lc:
        return body[1 : 1 + lc], body[-1] or 256
    raise ValueError("malformed")
