"""DESFire EV1 AES crypto for the Breka-DF profile: CMAC, key diversification, session keys.

AES-CMAC follows NIST SP 800-38B. DESFire chains CMACs (each one becomes the next IV),
which `cryptography`'s CMAC cannot express, so CMAC is built here from AES-ECB (subkeys)
and AES-CBC (the chain); with a zero IV it equals the standard CMAC (tests check both).
Pure functions plus one small chain object; no I/O, no pyscard.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher

BLOCK = 16
ZERO_IV = bytes(BLOCK)
_RB = 0x87  # the constant of SP 800-38B for 128-bit blocks


def _aes(key: bytes, iv: bytes | None = None) -> Cipher[Any]:
    """AES-ECB (no iv) or AES-CBC. `cryptography` is imported at the first card, not at start:
    it is ~50 ms of the kiosk's cold start to the first screen."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(key), modes.ECB() if iv is None else modes.CBC(iv))


def _ecb_encrypt(key: bytes, block: bytes) -> bytes:
    enc = _aes(key).encryptor()
    return enc.update(block) + enc.finalize()


def cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK:
        raise ValueError("CBC data must be whole blocks")
    enc = _aes(key, iv).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK:
        raise ValueError("CBC data must be whole blocks")
    dec = _aes(key, iv).decryptor()
    return dec.update(data) + dec.finalize()


def _shift_left(block: bytes) -> bytes:
    n = (int.from_bytes(block, "big") << 1) & ((1 << 128) - 1)
    if block[0] & 0x80:
        n ^= _RB
    return n.to_bytes(BLOCK, "big")


def cmac_subkeys(key: bytes) -> tuple[bytes, bytes]:
    k1 = _shift_left(_ecb_encrypt(key, ZERO_IV))
    return k1, _shift_left(k1)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def aes_cmac(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    """The 16-byte AES-CMAC of `data`; a non-zero `iv` continues a DESFire CMAC chain."""
    if len(key) != 16:
        raise ValueError("AES-128 keys are 16 bytes")
    k1, k2 = cmac_subkeys(key)
    if data and len(data) % BLOCK == 0:
        last = _xor(data[-BLOCK:], k1)
        head = data[:-BLOCK]
    else:
        cut = len(data) - len(data) % BLOCK
        head = data[:cut]
        last = _xor((data[cut:] + b"\x80").ljust(BLOCK, b"\x00"), k2)
    return cbc_encrypt(key, iv, head + last)[-BLOCK:]


def diversify(master: bytes, uid: bytes, aid: bytes, key_no: int) -> bytes:
    """K_card_i = AES-CMAC(K_master_i, 0x01 ‖ UID(7) ‖ AID(3) ‖ "BREKA" ‖ i) (AN10922-style)."""
    if len(uid) != 7 or len(aid) != 3 or not 0 <= key_no <= 0xFF:
        raise ValueError("diversification needs a 7-byte UID, a 3-byte AID and a key number")
    return aes_cmac(master, b"\x01" + uid + aid + b"BREKA" + bytes((key_no,)))


def rotl8(data: bytes) -> bytes:
    """Rotate left by one byte (the three-pass authentication's proof of the nonce)."""
    return data[1:] + data[:1]


def session_key(rnd_a: bytes, rnd_b: bytes) -> bytes:
    return rnd_a[0:4] + rnd_b[0:4] + rnd_a[12:16] + rnd_b[12:16]


class MacChain:
    """The CMAC chain of one authenticated session, the same on both sides of the wire.

    Every command and every reply is MACed in order; each 16-byte CMAC becomes the IV
    of the next, so a dropped, replayed or reordered message breaks all that follow.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._iv = ZERO_IV

    def command(self, ins: int, payload: bytes = b"") -> bytes:
        """CMAC over INS ‖ header ‖ data; returns the 8 bytes a MACed command carries."""
        self._iv = aes_cmac(self._key, bytes((ins,)) + payload, self._iv)
        return self._iv[:8]

    def reply(self, data: bytes, status: int) -> bytes:
        """CMAC over data ‖ status; returns the 8 bytes a reply carries."""
        self._iv = aes_cmac(self._key, data + bytes((status,)), self._iv)
        return self._iv[:8]

    def verify_reply(self, data: bytes, status: int, mac: bytes) -> bool:
        return hmac.compare_digest(self.reply(data, status), mac)
