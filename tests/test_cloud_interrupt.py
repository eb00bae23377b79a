"""A call can be cut off from another thread (a cancel, the idle wipe, shutdown): it ends at
once as Interrupted, later calls fail fast until resume(), and nothing is retried meanwhile."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from kiosk.sync import cloud_errors as ce
from kiosk.sync.cloud import CloudClient

XID = str(uuid.uuid4())


def test_interrupt_cuts_a_hung_call_and_holds_until_resume(stub):
    stub.drip(headers_too=False, every_s=0.5, n=60)  # 30 s of answer, one byte at a time
    client = CloudClient(stub.url, "t-1", b"s" * 32, timeout_s=20.0, backoff_s=0.01)
    box: dict[str, object] = {}

    def call() -> None:
        started = time.monotonic()
        try:
            client.cancel(XID, "why")
        except ce.CloudError as exc:
            box["error"] = exc
        box["took"] = time.monotonic() - started

    thread = threading.Thread(target=call)
    thread.start()
    while not stub.requests:
        time.sleep(0.01)
    client.interrupt()
    thread.join(5)
    assert isinstance(box["error"], ce.Interrupted) and isinstance(box["error"], ce.CloudUnavailable)
    assert box["took"] < 5  # the 20 s deadline did not have to pass
    assert len(stub.requests) == 1  # not retried after the interrupt

    stub.answer(200, b"{}")
    with pytest.raises(ce.Interrupted):  # still interrupted: fails before sending anything
        client.challenge()
    assert len(stub.requests) == 1
    client.resume()
    with pytest.raises(ce.UnexpectedResponse):  # waits for (and judges) answers again
        client.challenge()
    assert len(stub.requests) == 2
