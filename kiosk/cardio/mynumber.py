"""The JPKI application of the My Number Card: user authentication only (docs/jpki.md).

One session per card connection, yubikit style: the constructor selects the JPKI AP and
reads the token file, the verbs are methods. The session never selects another
application and never touches the signing key, the signing certificate or the signing
password; it knows only EF 0006, 000A, 000B, 0018 and 0017.

    session = MyNumberSession(connection)          # SELECT AP, EF 0006, READ
    cert = session.read_auth_certificate()          # EF 000A, chunked
    tries = session.tries_left()                    # empty VERIFY, spends nothing
    session.verify_pin(pin, confirm_last_try=...)   # refused before sending if unsafe
    signature = session.sign_challenge(challenge)   # SHA-256 DigestInfo, card pads

Flow cost: 13 APDUs for a certificate of up to 1 KiB (3 + 5 + 2 + 1 + 2).
"""

from __future__ import annotations

import hashlib
from enum import Enum

from kiosk.cardio.apdu import CommandApdu, ResponseApdu
from kiosk.cardio.connection import LONG_SIGN, Connection
from kiosk.cardio.errors import (
    ApplicationNotFound,
    InvalidPinFormat,
    LastTryNotConfirmed,
    PinBlocked,
    UnexpectedResponse,
    error_for_sw,
)

JPKI_AID = bytes.fromhex("D392F000260100000001")
EF_TOKEN, EF_AUTH_CERT, EF_AUTH_CA, EF_AUTH_KEY, EF_AUTH_PIN = 0x0006, 0x000A, 0x000B, 0x0017, 0x0018
AUTH_PIN_MAX_TRIES = 3
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300D060960864801650304020105000420")
_CHUNK = 256
_MAX_CERT = 0x7FFF  # READ BINARY offsets are 15 bits


class TokenKind(str, Enum):
    CARD = "card"  # JPKIAPICCTOKEN2: the plastic My Number Card
    JUKI = "juki"  # JPKIAPICCTOKEN: the old Basic Resident Registration card
    ANDROID = "android"  # JPKIAPGPSETOKEN: certificate held on an Android phone
    IPHONE = "iphone"  # JPKIAPIOSTOKEN
    UNKNOWN = "unknown"


_TOKENS = {
    "JPKIAPICCTOKEN2": TokenKind.CARD,
    "JPKIAPICCTOKEN": TokenKind.JUKI,
    "JPKIAPGPSETOKEN": TokenKind.ANDROID,
    "JPKIAPIOSTOKEN": TokenKind.IPHONE,
}


def sha256_digest_info(message: bytes) -> bytes:
    """The DER DigestInfo of SHA-256(message): what the card pads and signs (RFC 8017 §9.2)."""
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()


def check_pin_format(pin: str) -> bytes:
    """Exactly 4 ASCII digits, or InvalidPinFormat; returns the bytes to send."""
    if not isinstance(pin, str) or len(pin) != 4 or any(c not in "0123456789" for c in pin):
        raise InvalidPinFormat("the user-authentication PIN is exactly 4 digits (0-9)")
    return pin.encode("ascii")


def der_length(header: bytes) -> int:
    """Total length of the DER SEQUENCE starting `header` (tag, length, contents)."""
    if len(header) < 2 or header[0] != 0x30:
        raise UnexpectedResponse("EF 000A does not start with a DER SEQUENCE")
    first = header[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 2 or len(header) < 2 + n:
        raise UnexpectedResponse("unsupported DER length in the certificate header")
    return 2 + n + int.from_bytes(header[2 : 2 + n], "big")


class MyNumberSession:
    def __init__(self, connection: Connection):
        self.connection = connection
        self._ef: int | None = None
        self._tries_fresh: int | None = None  # result of the query sent just before, if any
        self.verified = False
        select = CommandApdu(0x00, 0xA4, 0x04, 0x0C, JPKI_AID)
        resp = self._send(select)
        if resp.sw == 0x6F00:  # seen on the first APDU after a power cycle (MC): once more
            resp = self._send(select)
        if not resp.ok:
            # Any refusal of the SELECT means no usable JPKI AP; identify() relies on
            # this type to tell "not a My Number Card" from a card failing later.
            raise ApplicationNotFound(resp.sw, f"the card has no JPKI application (SW {resp.sw:04X})")
        self.token, self.token_kind = self._read_token()

    # -- the verbs ------------------------------------------------------------------
    def read_auth_certificate(self) -> bytes:
        """The user-authentication certificate (DER) from EF 000A; no PIN needed."""
        return self._read_certificate(EF_AUTH_CERT)

    def read_auth_ca_certificate(self) -> bytes:
        """The issuing CA's certificate from EF 000B (informative only; not a trust anchor)."""
        return self._read_certificate(EF_AUTH_CA)

    def tries_left(self) -> int:
        """PIN tries left, by the empty VERIFY on EF 0018 (spends none). 0 means blocked."""
        self._select_ef(EF_AUTH_PIN)
        resp = self._send(CommandApdu(0x00, 0x20, 0x00, 0x80))
        if resp.sw & 0xFFF0 == 0x63C0:
            tries = resp.sw & 0x0F
        elif resp.sw in (0x6983, 0x6984):
            tries = 0
        elif resp.ok:  # some cards answer 9000 while the PIN is verified (jpki.md §4)
            tries = AUTH_PIN_MAX_TRIES
        else:
            raise error_for_sw(resp.sw)
        self._tries_fresh = tries
        return tries

    def verify_pin(self, pin: str, *, confirm_last_try: bool = False) -> None:
        """VERIFY the 4-digit PIN on EF 0018.

        Checked before anything is sent: the format (InvalidPinFormat), a blocked PIN
        (PinBlocked, nothing sent) and the last try (LastTryNotConfirmed unless
        `confirm_last_try`). A wrong PIN raises PinIncorrect(tries_left), the last wrong
        one PinBlocked.
        """
        data = check_pin_format(pin)
        tries = self._tries_fresh if self._tries_fresh is not None else self.tries_left()
        if tries == 0:
            raise PinBlocked(0x63C0)
        if tries == 1 and not confirm_last_try:
            raise LastTryNotConfirmed(tries)
        self.verified = False
        resp = self._send(CommandApdu(0x00, 0x20, 0x00, 0x80, data))
        del data
        if not resp.ok:
            raise error_for_sw(resp.sw)
        self.verified = True

    def sign(self, digest_info: bytes) -> bytes:
        """COMPUTE DIGITAL SIGNATURE with the auth key (EF 0017): the card pads the given
        DigestInfo (PKCS#1 v1.5 type 1) and returns the 256-byte RSA signature.
        Without a verified PIN: SecurityStatusNotSatisfied."""
        if not 1 <= len(digest_info) <= 245:
            raise ValueError("a DigestInfo for RSA-2048 is 1 to 245 bytes")
        self._select_ef(EF_AUTH_KEY)
        self.connection.announce(LONG_SIGN)  # a few hundred ms on a real card: "do not move it"
        resp = self._apdu(CommandApdu(0x80, 0x2A, 0x00, 0x80, digest_info, le=256))
        if len(resp.data) != 256:
            raise UnexpectedResponse(f"signature of {len(resp.data)} bytes, expected 256")
        return resp.data

    def sign_challenge(self, challenge: bytes) -> bytes:
        """Sign SHA-256(challenge): a normal sha256WithRSAEncryption signature."""
        return self.sign(sha256_digest_info(challenge))

    # -- plumbing -------------------------------------------------------------------
    def _read_token(self) -> tuple[str, TokenKind]:
        self._select_ef(EF_TOKEN)
        raw = self._apdu(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=0x20)).data
        text = raw.split(b"\x00", 1)[0].decode("ascii", "replace").strip()
        return text, _TOKENS.get(text, TokenKind.UNKNOWN)

    def _read_certificate(self, fid: int) -> bytes:
        self._select_ef(fid)
        # One large first read that includes the DER header: no separate 4-byte read.
        first = self._send(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=_CHUNK))
        if first.sw == 0x6282 and first.data:  # file shorter than 256: the card says so
            pass
        elif not first.ok:
            if first.sw not in (0x6B00, 0x6700):
                raise error_for_sw(first.sw)
            # A card that will not serve past the end of a short file: header first.
            first = self._apdu(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
        total = der_length(first.data[:4])
        if total > _MAX_CERT:
            raise UnexpectedResponse(f"certificate of {total} bytes cannot be read with short offsets")
        data = bytearray(first.data[:total])
        while len(data) < total:
            offset = len(data)
            want = min(_CHUNK, total - offset)
            chunk = self._apdu(CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=want)).data
            if not chunk:
                raise UnexpectedResponse("the card returned no data inside the certificate")
            data += chunk[:want]
        return bytes(data)

    def _select_ef(self, fid: int) -> None:
        if self._ef == fid:
            return
        self._ef = None
        self._apdu(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
        self._ef = fid

    def _send(self, cmd: CommandApdu) -> ResponseApdu:
        self._tries_fresh = None  # any command makes an earlier tries query stale
        return self.connection.transmit(cmd)

    def _apdu(self, cmd: CommandApdu) -> ResponseApdu:
        resp = self._send(cmd)
        if resp.ok:
            return resp
        raise error_for_sw(resp.sw)
