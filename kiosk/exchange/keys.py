"""The secrets an exchange needs, fetched from the OS keyring when used (never cached on disk)."""

from __future__ import annotations

import hashlib
import hmac

from kiosk.secrets import Secret, require_secret


class KeyringKeys:
    def load_master(self) -> bytes:
        return require_secret(Secret.BREKA_LOAD_MASTER)

    def device_key(self) -> bytes:
        return require_secret(Secret.DEVICE_KEY)

    def card_ref(self, card_uid_hex: str) -> str:
        """A keyed hash of the Breka UID: the cloud and the records never see the UID."""
        key = require_secret(Secret.CARD_REF_KEY)
        return hmac.new(key, bytes.fromhex(card_uid_hex), hashlib.sha256).hexdigest()[:32]
