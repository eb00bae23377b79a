"""/sim/…: set-up and fault injection for the demo, training and tests (never the kiosk).

Unauthenticated by design: the simulator listens on loopback only.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import clock, exchanges
from kiosk_demo.cloud import models as m
from kiosk_demo.cloud.context import Context, get_context
from kiosk_demo.cloud.db import to_us
from kiosk_demo.cloud.errors import SIM_RESPONSES, ApiError
from kiosk_demo.cloud.timefmt import iso
from kiosk_demo.cloud.trust import cert_sha256, parse_certificate

router = APIRouter(prefix="/sim", tags=["simulator"], responses=SIM_RESPONSES)
Ctx = Annotated[Context, Depends(get_context)]


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(Code.INVALID_REQUEST, f"{what} is not base64") from None


async def _write(ctx: Context, fn) -> JSONResponse:
    def run():
        with ctx.db.write() as conn:
            return fn(conn)

    try:
        status, body = await run_in_threadpool(run)
    except ApiError as exc:
        status, body = exc.status, exc.body()
    return JSONResponse(body, status_code=status)


@router.get("/health", response_model=m.Health, summary="the simulator is up; its clock")
async def health(ctx: Ctx):
    return await _write(ctx, lambda conn: (200, {"ok": True, "now": iso(clock.now(conn))}))


@router.post(
    "/terminals",
    status_code=201,
    response_model=m.TerminalIn,
    summary="register a terminal: secret and device public key (an empty events list serves every event)",
)
async def terminal(body: m.TerminalIn, ctx: Ctx):

    def fn(conn):
        secret = _b64(body.secret, "secret")
        public = _b64(body.device_public_key, "device_public_key")
        if len(public) != 32:
            raise ApiError(Code.INVALID_REQUEST, "device_public_key must be 32 raw bytes")
        conn.execute(
            "INSERT INTO terminals (terminal_id, secret, device_public_key, events) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (terminal_id) DO UPDATE SET secret = excluded.secret, "
            "device_public_key = excluded.device_public_key, events = excluded.events",
            (body.terminal_id, secret, public, json.dumps(body.events)),
        )
        return 201, body.model_dump()

    return await _write(ctx, fn)


@router.post("/events", status_code=201, response_model=m.EventIn, summary="define an event's issuing period")
async def event(body: m.EventIn, ctx: Ctx):
    def fn(conn):
        if body.issue_until <= body.issue_from:
            raise ApiError(Code.INVALID_REQUEST, "issue_until must be after issue_from")
        conn.execute(
            "INSERT INTO events (event_id, issue_from, issue_until, exchange_until) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (event_id) DO UPDATE SET issue_from = excluded.issue_from, "
            "issue_until = excluded.issue_until, exchange_until = excluded.exchange_until",
            (
                body.event_id,
                to_us(body.issue_from),
                to_us(body.issue_until),
                to_us(body.exchange_until) if body.exchange_until else None,
            ),
        )
        return 201, body.model_dump(mode="json")

    return await _write(ctx, fn)


@router.post("/holders", status_code=201, response_model=m.EnrolOut, summary="enrol a certificate → MyKey ID")
async def holder(body: m.EnrolIn, ctx: Ctx):
    def fn(conn):
        der = _b64(body.certificate, "certificate")
        parse_certificate(der)
        fingerprint = cert_sha256(der)
        row = conn.execute("SELECT mykey_id FROM holders WHERE cert_sha256 = ?", (fingerprint,)).fetchone()
        if row is not None:
            return 201, {"mykey_id": row["mykey_id"]}
        mykey_id = body.mykey_id or "mk-" + uuid.uuid4().hex[:16]
        if conn.execute("SELECT 1 FROM holders WHERE mykey_id = ?", (mykey_id,)).fetchone():
            raise ApiError(Code.INVALID_REQUEST, "that MyKey ID belongs to another certificate")
        conn.execute(
            "INSERT INTO holders (mykey_id, cert_sha256, enrolled_at) VALUES (?, ?, ?)",
            (mykey_id, fingerprint, to_us(clock.now(conn))),
        )
        return 201, {"mykey_id": mykey_id}

    return await _write(ctx, fn)


@router.post(
    "/revocations", status_code=201, response_model=m.RevokedOut, summary="revoke a certificate (its issuer and serial)"
)
async def revoke(body: m.EnrolIn, ctx: Ctx):
    def fn(conn):
        cert = parse_certificate(_b64(body.certificate, "certificate"))
        conn.execute(
            "INSERT OR IGNORE INTO revocations (issuer, serial) VALUES (?, ?)",
            (cert.issuer.rfc4514_string(), str(cert.serial_number)),
        )
        return 201, {"revoked": True}

    return await _write(ctx, fn)


@router.post("/issue", status_code=201, response_model=m.LotOut, summary="issue experiment points at a time")
async def issue(body: m.IssueIn, ctx: Ctx):
    def fn(conn):
        at = body.at or clock.now(conn)
        lot = exchanges.issue_lot(conn, ctx.validity, body.mykey_id, body.event_id, body.points, at, "issue")
        return 201, exchanges.lot_json(lot)

    return await _write(ctx, fn)


@router.post(
    "/reserved",
    status_code=201,
    response_model=m.ReservedEntryOut,
    summary="give a holder reserved points at a time (valid 14 days)",
)
async def reserved(body: m.ReservedIn, ctx: Ctx):
    return await _write(
        ctx, lambda conn: exchanges.add_reserved(conn, body.mykey_id, body.points, body.at or clock.now(conn))
    )


@router.post(
    "/reserved/waiting",
    status_code=201,
    response_model=m.WaitingOut,
    summary="partner points waiting for a certificate with no MyKey ID yet (reserved once it is set up)",
)
async def reserved_waiting(body: m.WaitingIn, ctx: Ctx):
    def fn(conn):
        der = _b64(body.certificate, "certificate")
        parse_certificate(der)
        exchanges.check_amount(body.points)
        waiting_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO waiting_reserved (waiting_id, cert_sha256, points, received_at) VALUES (?, ?, ?, ?)",
            (waiting_id, cert_sha256(der), body.points, to_us(body.at or clock.now(conn))),
        )
        return 201, {"waiting_id": waiting_id, "points": body.points}

    return await _write(ctx, fn)


@router.get("/clock", response_model=m.ClockOut, summary="the simulated clock")
async def get_clock(ctx: Ctx):
    return await _write(ctx, lambda conn: (200, {"now": iso(clock.now(conn)), "frozen": clock.is_frozen(conn)}))


@router.post("/clock", response_model=m.ClockOut, summary="set (now) or advance (advance_s) the simulated clock")
async def set_clock(body: m.ClockIn, ctx: Ctx):
    def fn(conn):
        if (body.now is None) == (body.advance_s is None):
            raise ApiError(Code.INVALID_REQUEST, "give exactly one of now and advance_s")
        target = body.now or clock.now(conn) + timedelta(seconds=body.advance_s)
        try:
            m._in_range(target)
        except ValueError as exc:
            raise ApiError(Code.INVALID_REQUEST, str(exc)) from None
        clock.set_clock(conn, target, None, body.frozen)
        return 200, {"now": iso(clock.now(conn)), "frozen": clock.is_frozen(conn)}

    return await _write(ctx, fn)


@router.delete("/clock", response_model=m.ClockOut, summary="back to the real clock")
async def reset_clock(ctx: Ctx):
    def fn(conn):
        clock.reset(conn)
        return 200, {"now": iso(clock.now(conn)), "frozen": False}

    return await _write(ctx, fn)


@router.post(
    "/faults",
    status_code=201,
    response_model=m.FaultOut,
    summary="inject a delay, an error status or a dropped response into the next matching calls",
)
async def add_fault(body: m.FaultIn, ctx: Ctx):
    return JSONResponse(ctx.faults.add(**body.model_dump()).__dict__, status_code=201)


@router.get("/faults", response_model=list[m.FaultOut], summary="faults still armed")
async def list_faults(ctx: Ctx):
    return ctx.faults.list()


@router.delete("/faults", response_model=list[m.FaultOut], summary="disarm every fault")
async def clear_faults(ctx: Ctx):
    ctx.faults.clear()
    return []
