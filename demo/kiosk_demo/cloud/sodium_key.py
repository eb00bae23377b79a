"""The device public key as libsodium holds it, for checking settlement signatures.

The kiosk signs with OpenSSL (cryptography); the simulator checks with libsodium
(PyNaCl). Verification is most of the cost of a settlement batch, libsodium does it in
about half the time on the office PCs' class of CPU (docs/performance.md), and two
independent implementations agreeing is what a city's own server would prove anyway.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey


class SodiumPublicKey:
    """`verify(signature, data)` with the same contract as cryptography's Ed25519PublicKey."""

    def __init__(self, raw: bytes) -> None:
        self._key = VerifyKey(bytes(raw))

    def verify(self, signature: bytes, data: bytes) -> None:
        if len(signature) != 64:
            raise InvalidSignature
        try:
            self._key.verify(data, signature)
        except BadSignatureError:
            raise InvalidSignature from None
