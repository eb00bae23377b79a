"""Each settlement record's own hash and signature, checked for a whole batch at once.

These checks need nothing but the record and the device key, and they are most of a
batch's cost. The request thread recomputes the hashes (Python), then the signatures
are checked on a thread per core — libsodium releases the GIL — while the request
thread does its database lookups. Small batches (what a counter sends after each
exchange) stay on the request thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from kiosk.sync.settlement_record import CANONICAL, hashed_body, signature_matches
from kiosk_demo.cloud.sodium_key import SodiumPublicKey

IN_PLACE_BELOW = 64  # records; below this a thread hop costs more than it saves
WORKERS = max(1, os.cpu_count() or 1)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


class Checked(NamedTuple):
    code: str | None  # None, "bad_hash" or "bad_record_signature"
    stored: str | None  # the record's JSON to store, when intact (built from the hashed bytes)


def start(records: list[dict], public_key: bytes) -> Callable[[], list[Checked]]:
    """Hash `records` now and start checking their signatures; call the result to wait
    for one Checked per record, in order."""
    key = SodiumPublicKey(public_key)
    stored = [_stored_if_hash_matches(record) for record in records]

    def signatures(chunk: list[dict]) -> list[bool]:
        return [signature_matches(record, key) for record in chunk]

    if len(records) < IN_PLACE_BELOW:
        signed = signatures(records)
        return lambda: _checked(stored, signed)
    pool, size = _executor(), -(-len(records) // WORKERS)
    futures = [pool.submit(signatures, records[i : i + size]) for i in range(0, len(records), size)]
    return lambda: _checked(stored, [ok for future in futures for ok in future.result()])


def _stored_if_hash_matches(record: dict) -> str | None:
    """The record as JSON (its hashed bytes with hash and signature added) if `hash` is right."""
    body = hashed_body(record)
    if body is None:
        return None
    return f'{body[:-1].decode()},"hash":"{record["hash"]}","signature":{CANONICAL.encode(record.get("signature"))}}}'


def _checked(stored: list[str | None], signed: list[bool]) -> list[Checked]:
    return [
        Checked("bad_hash", None)
        if text is None
        else Checked(None, text)
        if ok
        else Checked("bad_record_signature", None)
        for text, ok in zip(stored, signed)
    ]


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="record-check")
        return _pool
