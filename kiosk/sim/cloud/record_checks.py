"""Each settlement record's own hash and signature, checked beside the request thread.

These checks need nothing but the record and the device key, and they are most of a
batch's cost. They run on a thread per core — libsodium releases the GIL for the
signature, the larger part — while the request thread does its database lookups (SQLite
releases the GIL too). Small batches (what a counter sends after each exchange) stay on
the request thread.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from kiosk.sim.cloud.sodium_key import SodiumPublicKey
from kiosk.sync.settlement_record import hash_matches, signature_matches

IN_PLACE_BELOW = 64    # records; below this a thread hop costs more than it saves

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def start(records: list[dict], public_key: bytes) -> Callable[[], list[str | None]]:
    """Check the hashes now, start the signature checks; call the result to wait for one
    code per record, in order: None, "bad_hash" or "bad_record_signature"."""
    key = SodiumPublicKey(public_key)
    hashed = [hash_matches(record) for record in records]

    def signatures(chunk: list[dict]) -> list[bool]:
        return [signature_matches(record, key) for record in chunk]

    if len(records) < IN_PLACE_BELOW:
        signed = signatures(records)
        return lambda: _codes(hashed, signed)
    pool = _executor()
    size = -(-len(records) // pool._max_workers)  # noqa: SLF001 (the size it was built with)
    futures = [pool.submit(signatures, records[i:i + size]) for i in range(0, len(records), size)]
    return lambda: _codes(hashed, [ok for future in futures for ok in future.result()])


def _codes(hashed: list[bool], signed: list[bool]) -> list[str | None]:
    return [None if ok and good else "bad_hash" if not good else "bad_record_signature"
            for good, ok in zip(hashed, signed)]


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="record-check")
        return _pool
