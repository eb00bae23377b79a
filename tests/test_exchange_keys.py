"""The exchange's keys: read from the keyring once per process, a missing one never kept."""

from __future__ import annotations

import base64

import pytest

from kiosk.exchange.keys import KeyringKeys
from kiosk.secrets import SERVICE, MissingSecret, Secret, set_secret


class CountingReads:
    def __init__(self, backend):
        self.backend, self.reads = backend, 0
        self._get = backend.get_password

    def __call__(self, service, username):
        self.reads += 1
        return self._get(service, username)


def test_each_key_is_read_from_the_keyring_once(test_keyring, monkeypatch):
    set_secret(Secret.BREKA_LOAD_MASTER, b"m" * 16)
    set_secret(Secret.CARD_REF_KEY, b"r" * 32)
    counter = CountingReads(test_keyring)
    monkeypatch.setattr(test_keyring, "get_password", counter)
    keys = KeyringKeys()
    refs = {keys.card_ref("04a1b2c3d4e5f6") for _ in range(3)}
    assert [keys.load_master() for _ in range(3)] == [b"m" * 16] * 3
    assert len(refs) == 1 and counter.reads == 2


def test_a_missing_key_raises_each_time_and_is_read_again_once_set(test_keyring):
    keys = KeyringKeys()
    for _ in range(2):
        with pytest.raises(MissingSecret):
            keys.device_key()
    set_secret(Secret.DEVICE_KEY, b"d" * 32)
    assert keys.device_key() == b"d" * 32
    assert base64.b64decode(test_keyring.get_password(SERVICE, Secret.DEVICE_KEY.value) or "") == b"d" * 32
