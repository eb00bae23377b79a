"""The day's close over a real store and a real (file) ESC/POS printer: the closing slip's
figures (corrections netted, unsent and parked records, printer state), its PDF, reprints
marked 再発行 from the clerk screen, and an unreachable printer shown on screen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from kiosk.exchange.steps import Step
from kiosk.rules import JST
from kiosk.store import audit
from kiosk.ui.day_close import (
    PRINTER_READY,
    PRINTER_UNREACHABLE,
    day_figures,
    receipt_of,
    render_slip,
    slip_lines,
    slip_pdf,
)
from kiosk.ui.receipt_printer import EscPosPrinter, render_receipt

DEVICE_KEY = bytes(range(32))


def committed(parts, points: int = 500) -> str:
    """One exchange through every journal step to committed, with its settlement record."""
    fee = points // 11
    exchange_id = str(uuid.uuid4())
    j = parts.journal
    j.create(exchange_id, "ev", Step.HOLD_REQUESTED, mykey_id="mk-1", points=points, fee=fee, loaded=points - fee)
    j.advance(exchange_id, Step.HELD)
    j.advance(exchange_id, Step.LOAD_INTENT, card_ref="ref-1", balance_before=0)
    j.advance(exchange_id, Step.LOADED, balance_after=points - fee)
    j.advance(exchange_id, Step.COMMIT_REQUESTED)
    with parts.store.transaction() as tx:
        parts.outbox.append(
            tx,
            device_key=DEVICE_KEY,
            exchange_id=exchange_id,
            mykey_id="mk-1",
            event_id="ev",
            points_used=points,
            fee=fee,
            loaded=points - fee,
            card_ref="ref-1",
            load_id=exchange_id,
        )
        j.advance(exchange_id, Step.COMMITTED, conn=tx)
    return exchange_id


def reversed_(parts, exchange_id: str) -> None:
    """A finished correction of that exchange, as kiosk.exchange.reversal leaves it."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    with parts.store.transaction() as tx:
        tx.execute(
            "INSERT INTO reversals(reversal_id, exchange_id, state, created_at, updated_at, clerk, reason, unloaded, "
            "card_ref) VALUES (?,?,?,?,?,?,?,?,?)",
            (str(uuid.uuid4()), exchange_id, "reversed", at, at, "sato", "mistake", 455, "ref-1"),
        )


def test_the_slip_counts_today_nets_corrections_and_names_what_is_unsent(kiosk, tmp_path):
    _win, _worker, store = kiosk
    parts = _win.parts
    kept, corrected, small = committed(parts, 500), committed(parts, 1_100), committed(parts, 110)
    reversed_(parts, corrected)
    store.conn.execute("UPDATE outbox SET outcome = 'rejected:exchange_mismatch' WHERE exchange_id = ?", (small,))
    fig = day_figures(store, printer=PRINTER_UNREACHABLE)
    assert fig.day == datetime.now(JST).date()
    assert [line.exchange_id for line in fig.lines] == [kept, corrected, small]
    assert (fig.count, fig.points, fig.fee, fig.loaded) == (2, 610, 55, 555)  # the correction netted
    assert fig.reversals == 1 and fig.unsent == 2 and fig.parked == 1 and fig.unfinished == 0
    texts = [t for t, _ in slip_lines(fig)]
    assert any("610" in t for t in texts)
    assert any("接続できません" in t for t in texts)  # the printer state, in Japanese
    image = render_slip(fig)
    assert image.width() == 384 and image.height() > 24 * len(texts)
    pdf = slip_pdf(fig, tmp_path / "claims")
    assert pdf.name == f"closing-{fig.day.isoformat()}.pdf" and pdf.read_bytes().startswith(b"%PDF")
    assert day_figures(store, date_yesterday()).lines == []  # another day: nothing


def date_yesterday():
    return datetime.fromordinal(datetime.now(JST).toordinal() - 1).date()


def test_a_reprint_is_marked_reissued_and_goes_to_the_printer(kiosk, tmp_path, qtbot):
    win, worker, store = kiosk
    exchange_id = committed(win.parts, 500)
    receipt = receipt_of(win.parts, exchange_id)
    assert (receipt.points_used, receipt.loaded, receipt.card_balance_after) == (500, 455, 455)
    assert render_receipt(receipt, reissued=True).height() > render_receipt(receipt).height()
    device = tmp_path / "lp0"
    device.touch()
    win.printer = EscPosPrinter(f"file:{device}")
    win.clerk_id = "sato"
    page = box = win.pages["today"]
    win.local = "today"
    page.open()
    assert box.list.count() == 1 and exchange_id[:8].upper() in box.list.item(0).text()
    run_jobs(worker)  # the printer check
    assert box.printer_state == PRINTER_READY
    box.list.setCurrentRow(0)
    qtbot.mouseClick(box.reprint_button, Qt.MouseButton.LeftButton)
    run_jobs(worker)
    assert b"\x1dv0" in device.read_bytes()  # a raster went to the printer
    (entry,) = audit.entries(store, action="reprint_receipt")
    assert entry.detail == {"exchange_id": exchange_id, "clerk": "sato", "ok": True}
    # The printer goes away: the clerk screen says so.
    win.printer = EscPosPrinter("net:127.0.0.1:9")
    box.check_printer()
    run_jobs(worker)
    assert box.printer_state == PRINTER_UNREACHABLE and "⚠" in box.printer.text()
    qtbot.mouseClick(box.slip_button, Qt.MouseButton.LeftButton)
    run_jobs(worker)
    assert "closing-" in page.status.text()
    (slip,) = audit.entries(store, action="closing_slip")
    assert slip.detail["clerk"] == "sato" and slip.detail["printed"] is False


def test_a_correction_needs_a_reason_and_opens_the_correction_screen(kiosk, qtbot):
    win, worker, _store = kiosk
    exchange_id = committed(win.parts, 500)
    win.reversals = object()  # the screen only needs to know corrections are wired
    win.clerk_id = "sato"
    page = box = win.pages["today"]
    win.local = "today"
    page.open()
    box.list.setCurrentRow(0)
    qtbot.mouseClick(box.reverse_button, Qt.MouseButton.LeftButton)
    assert win.current_page() != "reversal"  # no reason: refused
    page.reason.setText("wrong amount")
    qtbot.mouseClick(box.reverse_button, Qt.MouseButton.LeftButton)
    assert win.current_page() == "reversal"
    rp = win.pages["reversal"]
    assert (rp.exchange_id, rp.reason, rp.clerk) == (exchange_id, "wrong amount", "sato")
    assert [c[1][0] for c in worker.calls if c[0] == "call"][-1] == "reversal_reserve"


def run_jobs(worker) -> None:
    """The stand-in worker records jobs: run them as the card worker would, report them."""
    while True:
        pending = [c for c in worker.calls if c[0] == "call" and not c[2].get("ran")]
        if not pending:
            return
        for call in pending:
            call[2]["ran"] = True
            what, fn = call[1]
            try:
                result = fn(None)
            except Exception as exc:  # noqa: BLE001 - reported like the real worker
                result = exc
            worker.job_done.emit(what, result)
