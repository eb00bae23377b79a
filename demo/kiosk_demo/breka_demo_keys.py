"""DEMO-ONLY master keys for virtual Breka cards. Never use them for a real card.

Fixed so that demo cards issued on one machine work with a demo kiosk on another; a real
kiosk holds only the K1 and K3 masters, in the OS keyring (kiosk.secrets).
"""

from __future__ import annotations

import hashlib

from kiosk.secrets import Secret, set_secret


def _demo_key(i: int) -> bytes:
    return hashlib.sha256(f"kiosk DEMO ONLY breka master K{i}".encode()).digest()[:16]


DEMO_MASTER_KEYS: dict[int, bytes] = {i: _demo_key(i) for i in range(5)}


def install_demo_masters_in_keyring() -> None:
    """Put the demo K1/K3 masters where the kiosk reads them (demo wiring and tests only)."""
    set_secret(Secret.BREKA_LOAD_MASTER, DEMO_MASTER_KEYS[1])
    set_secret(Secret.BREKA_READ_MASTER, DEMO_MASTER_KEYS[3])
