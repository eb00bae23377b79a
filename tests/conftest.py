from __future__ import annotations

import os
import time

import pytest

from tests.pcsc_harness import PcscdService, SlotLease

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Shared fixtures: the point cloud simulator (one server process for the session), the
# virtual My Number Card, the exchange world, the installed product (wheels and venvs built
# once) and the kiosk window.
pytest_plugins = [
    "tests.cloud_fixtures",
    "tests.mynumber_helpers",
    "tests.exchange_world",
    "tests.installed_fixtures",
    "tests.ui_fixtures",
    "tests.stub_server",
    "tests.card_profile_fixtures",
]


@pytest.fixture(scope="session")
def pcscd():
    service = PcscdService()
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def vpcd_slot(pcscd):
    """The vpcd slot (port, reader name) this test session owns."""
    lease = SlotLease()
    slot = lease.acquire()
    yield slot
    lease.release()


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.01):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture(autouse=True)
def test_keyring(monkeypatch):
    """Every test gets an empty in-memory keyring; the developer's keyring is never touched."""
    import keyring

    from tests.memory_keyring import MemoryKeyring

    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
