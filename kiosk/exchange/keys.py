"""The secrets an exchange needs, from the OS keyring (never cached on disk).

Each is read at its first use and then kept in this process's memory, where it is while
used anyway: a Secret Service look-up is a D-Bus round trip, and one Breka load needed four.
A key changed with `kiosk secrets` is taken up when the kiosk is started again.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

from kiosk.secrets import Secret, require_secret


class KeyringKeys:
    def __init__(self) -> None:
        self._kept: dict[Secret, bytes] = {}
        self._lock = threading.Lock()  # the card worker and the background commits both sign

    def _secret(self, name: Secret) -> bytes:
        with self._lock:
            value = self._kept.get(name)
            if value is None:  # a missing secret raises every time, and is never kept
                value = self._kept[name] = require_secret(name)
            return value

    def load_master(self) -> bytes:
        return self._secret(Secret.BREKA_LOAD_MASTER)

    def device_key(self) -> bytes:
        return self._secret(Secret.DEVICE_KEY)

    def card_ref(self, card_uid_hex: str) -> str:
        """A keyed hash of the Breka UID: the cloud and the records never see the UID."""
        key = self._secret(Secret.CARD_REF_KEY)
        return hmac.new(key, bytes.fromhex(card_uid_hex), hashlib.sha256).hexdigest()[:32]
