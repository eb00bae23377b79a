"""The supervised status-change loop: unit tests on a scripted context, then over pcscd."""

from __future__ import annotations

import queue
import threading

import pytest

from kiosk.cardio.errors import ServiceUnavailable
from kiosk.pcsc.context import PcscContext, ReaderState
from kiosk.pcsc.monitor import PNP_NOTIFICATION, EventKind, MonitorEvent, ReaderMonitor
from kiosk_demo.probe_card import PROBE_ATR, ProbeCard
from tests.conftest import wait_for
from tests.mynumber_helpers import inserted

ATR = bytes.fromhex("3B888001000005E0B381A1007F")


class ScriptedContext:
    """Plays a script of get_status_change answers; an exception in the script is raised."""

    def __init__(self, script: queue.Queue, readers: list[str]):
        self.script, self.readers = script, readers
        self.released = self.cancelled = False

    def list_readers(self):
        return list(self.readers)

    def get_status_change(self, known, timeout_ms):
        try:
            item = self.script.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            return None
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(self)
        return item

    def cancel(self):
        self.cancelled = True
        self.script.put(None)

    def release(self):
        self.released = True


class Recorder:
    def __init__(self):
        self.events: list[MonitorEvent] = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)

    def kinds(self):
        with self.lock:
            return [(e.kind, e.reader) for e in self.events]


def _state(reader, present, count):
    return ReaderState(reader, present, ATR if present else b"", count)


def test_reports_cards_readers_and_survives_errors_and_service_loss():
    script: queue.Queue = queue.Queue()
    readers = ["R0"]
    contexts: list[ScriptedContext] = []

    def factory():
        ctx = ScriptedContext(script, readers)
        contexts.append(ctx)
        return ctx

    rec = Recorder()
    with ReaderMonitor(factory, rec, timeout_ms=50, retry_delay=0.01):
        wait_for(lambda: (EventKind.READER_ADDED, "R0") in rec.kinds())
        script.put([_state("R0", True, 1)])
        wait_for(lambda: (EventKind.CARD_INSERTED, "R0") in rec.kinds())
        script.put([_state("R0", False, 2)])
        wait_for(lambda: (EventKind.CARD_REMOVED, "R0") in rec.kinds())

        script.put(RuntimeError("driver hiccup"))  # an unexpected error: reported, survived
        wait_for(lambda: any(e.kind is EventKind.LOOP_ERROR and "hiccup" in e.detail for e in rec.events))

        readers.append("R1")  # a reader plugged in: the PnP pseudo reader wakes us
        script.put([ReaderState(PNP_NOTIFICATION, False, b"", 2)])
        wait_for(lambda: (EventKind.READER_ADDED, "R1") in rec.kinds())

        script.put(ServiceUnavailable("pcscd stopped"))
        wait_for(lambda: (EventKind.SERVICE_LOST, "") in rec.kinds())
        wait_for(lambda: (EventKind.SERVICE_BACK, "") in rec.kinds())  # the next context works
        readers.remove("R1")
        script.put([ReaderState(PNP_NOTIFICATION, False, b"", 1)])
        wait_for(lambda: (EventKind.READER_REMOVED, "R1") in rec.kinds())
        script.put([_state("R0", True, 3)])
        wait_for(lambda: rec.kinds().count((EventKind.CARD_INSERTED, "R0")) == 2)
    assert len(contexts) >= 3  # rebuilt after the error and after the service loss
    assert all(c.released for c in contexts[:-1])
    assert [k for k in rec.kinds() if k[0] is EventKind.SERVICE_LOST] == [(EventKind.SERVICE_LOST, "")]


def test_a_card_swapped_between_two_polls_is_reported_as_removal_and_insertion():
    script: queue.Queue = queue.Queue()
    rec = Recorder()
    with ReaderMonitor(lambda: ScriptedContext(script, ["R0"]), rec, timeout_ms=50):
        script.put([_state("R0", True, 5)])
        wait_for(lambda: (EventKind.CARD_INSERTED, "R0") in rec.kinds())
        script.put([_state("R0", True, 7)])  # out and in again before we looked
        wait_for(lambda: rec.kinds().count((EventKind.CARD_INSERTED, "R0")) == 2)
    assert [k for k, r in rec.kinds() if r == "R0"] == [
        EventKind.READER_ADDED,
        EventKind.CARD_INSERTED,
        EventKind.CARD_REMOVED,
        EventKind.CARD_INSERTED,
    ]


class Fatal(BaseException):
    """Escapes `except Exception`: kills the loop thread, as a bug in a C call could."""


def test_a_dead_loop_is_restarted_by_the_supervisor(monkeypatch):
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the death is expected
    script: queue.Queue = queue.Queue()
    rec = Recorder()
    monitor = ReaderMonitor(lambda: ScriptedContext(script, ["R0"]), rec, timeout_ms=50, retry_delay=0.01)
    with monitor:
        wait_for(lambda: (EventKind.READER_ADDED, "R0") in rec.kinds())
        script.put(Fatal())
        wait_for(lambda: (EventKind.LOOP_RESTARTED, "") in rec.kinds())
        wait_for(lambda: monitor.alive)
        script.put([_state("R0", True, 1)])
        wait_for(lambda: (EventKind.CARD_INSERTED, "R0") in rec.kinds())
    assert monitor.restarts == 1
    assert not monitor.alive


def test_a_failing_listener_does_not_stop_the_loop():
    script: queue.Queue = queue.Queue()
    seen = []

    def listener(event):
        seen.append(event.kind)
        raise ValueError("listener bug")

    monitor = ReaderMonitor(lambda: ScriptedContext(script, ["R0"]), listener, timeout_ms=50)
    with monitor:
        script.put([_state("R0", True, 1)])
        wait_for(lambda: EventKind.CARD_INSERTED in seen)
        assert monitor.alive


@pytest.mark.pcsc
def test_card_arrival_and_removal_over_pcscd(vpcd_slot):
    rec = Recorder()
    ctx = PcscContext()
    with ReaderMonitor(PcscContext, rec, timeout_ms=200):
        wait_for(lambda: (EventKind.READER_ADDED, vpcd_slot.reader) in rec.kinds())
        with inserted(ProbeCard(), vpcd_slot, ctx):
            wait_for(lambda: (EventKind.CARD_INSERTED, vpcd_slot.reader) in rec.kinds())
        wait_for(lambda: (EventKind.CARD_REMOVED, vpcd_slot.reader) in rec.kinds())
    ctx.release()
    mine = [e for e in rec.events if e.reader == vpcd_slot.reader]
    inserted_events = [e for e in mine if e.kind is EventKind.CARD_INSERTED]
    assert inserted_events[-1].atr == PROBE_ATR
    assert [e.kind for e in mine][-2:] == [EventKind.CARD_INSERTED, EventKind.CARD_REMOVED]
