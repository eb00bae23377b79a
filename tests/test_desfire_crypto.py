"""AES-CMAC (NIST SP 800-38B), the CMAC chain and Breka key diversification."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import cmac as crypto_cmac
from cryptography.hazmat.primitives.ciphers import algorithms
from hypothesis import given
from hypothesis import strategies as s

from kiosk.cardio.breka import AID, card_key
from kiosk.cardio.desfire_crypto import MacChain, aes_cmac, cmac_subkeys, diversify, rotl8, session_key

NIST_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
NIST_MSG = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710"
)


def test_subkeys_match_sp800_38b():
    k1, k2 = cmac_subkeys(NIST_KEY)
    assert k1.hex() == "fbeed618357133667c85e08f7236a8de"
    assert k2.hex() == "f7ddac306ae266ccf90bc11ee46d513b"


@pytest.mark.parametrize(
    "length, expected",
    [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ],
)
def test_aes_cmac_matches_sp800_38b_examples(length, expected):
    assert aes_cmac(NIST_KEY, NIST_MSG[:length]).hex() == expected


@given(s.binary(min_size=16, max_size=16), s.binary(max_size=100))
def test_zero_iv_cmac_equals_the_library_cmac(key, data):
    ref = crypto_cmac.CMAC(algorithms.AES(key))
    ref.update(data)
    assert aes_cmac(key, data) == ref.finalize()


def test_chain_depends_on_every_earlier_message():
    key = bytes(range(16))
    a, b = MacChain(key), MacChain(key)
    assert a.command(0x6C, b"\x01") == b.command(0x6C, b"\x01")
    a.reply(b"\x00\x00\x00\x01", 0)
    b.reply(b"\x00\x00\x00\x02", 0)  # one reply differs: every later MAC differs
    assert a.command(0xC7) != b.command(0xC7)


def test_diversification_is_deterministic_and_differs_per_uid_and_key():
    master = bytes.fromhex("00112233445566778899aabbccddeeff")
    uid1, uid2 = bytes.fromhex("04a1b2c3d4e5f6"), bytes.fromhex("04a1b2c3d4e5f7")
    assert diversify(master, uid1, AID, 1) == diversify(master, uid1, AID, 1)
    assert diversify(master, uid1, AID, 1) != diversify(master, uid2, AID, 1)
    assert diversify(master, uid1, AID, 1) != diversify(master, uid1, AID, 3)
    # the spec's input: 0x01 ‖ UID ‖ AID ‖ "BREKA" ‖ i
    assert card_key(master, uid1, 1) == aes_cmac(master, b"\x01" + uid1 + b"BRK" + b"BREKA\x01")
    with pytest.raises(ValueError):
        diversify(master, uid1[:4], AID, 1)


def test_session_key_and_rotation():
    a, b = bytes(range(16)), bytes(range(100, 116))
    assert rotl8(a) == a[1:] + a[:1]
    assert session_key(a, b) == a[0:4] + b[0:4] + a[12:16] + b[12:16]
