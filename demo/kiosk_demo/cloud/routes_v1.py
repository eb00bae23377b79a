"""The /v1 interface of cloud-api.md. Handlers are thin: the ledger modules do the work."""

from __future__ import annotations

from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kiosk.sync import terminal_auth as ta
from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import auth, exchanges, reports, settlements
from kiosk_demo.cloud import models as m
from kiosk_demo.cloud.context import Context, get_context
from kiosk_demo.cloud.errors import ERROR_RESPONSES, ApiError

_SIG_DOC = (
    "Terminal request signature: X-Terminal-Id, X-Timestamp (RFC 3339, within 5 minutes), "
    "X-Nonce (random), X-Signature = base64 HMAC-SHA-256(terminal secret, "
    "METHOD\\npath?query\\ntimestamp\\nnonce\\nhex SHA-256 of the body as sent\\n"
    "Idempotency-Key value\\nhex SHA-256 of the Authorization value; an absent header is empty)."
)
_terminal_headers = [
    APIKeyHeader(name=name, auto_error=False, scheme_name=name.replace("-", ""), description=_SIG_DOC)
    for name in (ta.HEADER_TERMINAL, ta.HEADER_TIMESTAMP, ta.HEADER_NONCE, ta.HEADER_SIGNATURE)
]
_holder_bearer = HTTPBearer(
    auto_error=False, scheme_name="holderToken", description="holder token from POST /v1/auth/holder"
)


def _terminal_security(
    a=Security(_terminal_headers[0]),
    b=Security(_terminal_headers[1]),
    c=Security(_terminal_headers[2]),
    d=Security(_terminal_headers[3]),
) -> None:
    """Documents the signature headers; the pipeline checks them (over the exact body bytes)."""


router = APIRouter(prefix="/v1", dependencies=[Depends(_terminal_security)], responses=ERROR_RESPONSES)
Ctx = Annotated[Context, Depends(get_context)]
Holder = Annotated[HTTPAuthorizationCredentials | None, Security(_holder_bearer)]
IdemKey = Annotated[UUID, Header(alias="Idempotency-Key", description="a UUID the kiosk journals before sending")]


def _bearer(holder: HTTPAuthorizationCredentials | None) -> str | None:
    return f"Bearer {holder.credentials}" if holder else None


@router.post("/auth/challenge", response_model=m.ChallengeOut, summary="a nonce for the card to sign")
async def challenge(request: Request, ctx: Ctx):
    return await ctx.pipeline.respond(request, lambda conn, t: (200, _jsonable(auth.new_challenge(conn, t))))


@router.post(
    "/auth/holder", response_model=m.HolderAuthOut, summary="prove the card, get a holder token and the balance"
)
async def holder(request: Request, body: m.HolderAuthIn, ctx: Ctx):
    def handler(conn, t):
        holder = _jsonable(
            auth.authenticate_holder(conn, t, ctx.trust, body.challenge_id, body.certificate, body.signature)
        )
        return 200, holder | {"balance": exchanges.balance(conn, t, holder["mykey_id"])[1]}

    return await ctx.pipeline.respond(request, handler, keep_on_error=True)


@router.post(
    "/holder/mykey",
    response_model=m.MyKeyOut,
    status_code=201,
    summary="set up a MyKey ID with the proof of a holder authentication answered no_mykey_id",
)
async def mykey(request: Request, body: m.MyKeyIn, key: IdemKey, ctx: Ctx):
    return await ctx.pipeline.respond(
        request,
        lambda conn, t: (
            201,
            _jsonable(auth.create_mykey(conn, t, ctx.trust, body.challenge_id, body.certificate, body.signature)),
        ),
        idempotent=True,
    )


@router.get("/holder/balance", response_model=m.BalanceOut, summary="the holder's lots, reserved and usable points")
async def balance(request: Request, ctx: Ctx, holder: Holder):
    return await ctx.pipeline.respond(
        request, lambda conn, t: exchanges.balance(conn, t, auth.holder_of(conn, t, _bearer(holder)))
    )


@router.post(
    "/holder/reserved/assign",
    response_model=m.AssignOut,
    status_code=201,
    summary="move reserved points into a new lot of an issuing event",
)
async def assign(request: Request, body: m.AssignIn, key: IdemKey, ctx: Ctx, holder: Holder):
    return await ctx.pipeline.respond(
        request,
        lambda conn, t: exchanges.assign_reserved(
            conn, t, ctx.validity, auth.holder_of(conn, t, _bearer(holder)), body.event_id, body.points
        ),
        idempotent=True,
    )


@router.post(
    "/exchanges",
    response_model=m.ExchangeOut,
    status_code=201,
    summary="hold points for an exchange (Idempotency-Key = exchange_id)",
)
async def hold(request: Request, body: m.HoldIn, key: IdemKey, ctx: Ctx, holder: Holder):
    def handler(conn, t):
        if key != body.exchange_id:
            raise ApiError(Code.INVALID_REQUEST, "Idempotency-Key must equal exchange_id")
        return exchanges.hold(
            conn, t, auth.holder_of(conn, t, _bearer(holder)), str(body.exchange_id), body.event_id, body.points
        )

    return await ctx.pipeline.respond(request, handler, idempotent=True)


@router.get("/exchanges", response_model=m.ExchangeList, summary="this terminal's open holds, oldest first")
async def list_holds(
    request: Request,
    ctx: Ctx,
    state: Annotated[str, Query(pattern="^held$")] = "held",
    older_than_s: Annotated[int, Query(ge=0, le=10**9)] = 0,
):
    return await ctx.pipeline.respond(request, lambda conn, t: exchanges.open_holds(conn, t, older_than_s))


@router.get("/exchanges/{exchange_id}", response_model=m.ExchangeOut, summary="an exchange's state (recovery)")
async def get_exchange(request: Request, exchange_id: UUID, ctx: Ctx):
    return await ctx.pipeline.respond(request, lambda conn, t: exchanges.get(conn, t, str(exchange_id)))


@router.post("/exchanges/{exchange_id}/commit", response_model=m.StateOut, summary="the card was loaded")
async def commit(request: Request, exchange_id: UUID, body: m.CommitIn, key: IdemKey, ctx: Ctx):
    breka = body.breka.model_dump(mode="json")
    return await ctx.pipeline.respond(
        request, lambda conn, t: exchanges.commit(conn, t, str(exchange_id), breka), idempotent=True
    )


@router.post("/exchanges/{exchange_id}/cancel", response_model=m.StateOut, summary="release the held points")
async def cancel(request: Request, exchange_id: UUID, body: m.CancelIn, key: IdemKey, ctx: Ctx):
    return await ctx.pipeline.respond(
        request, lambda conn, t: exchanges.cancel(conn, t, str(exchange_id), body.reason), idempotent=True
    )


@router.post(
    "/exchanges/{exchange_id}/reverse",
    response_model=m.ReverseOut,
    summary="a correction the same day: the card gave the points back (Idempotency-Key = reversal_id)",
)
async def reverse(request: Request, exchange_id: UUID, body: m.ReverseIn, key: IdemKey, ctx: Ctx, holder: Holder):
    def handler(conn, t):
        if key != body.reversal_id:
            raise ApiError(Code.INVALID_REQUEST, "Idempotency-Key must equal reversal_id")
        mykey = auth.holder_of(conn, t, _bearer(holder)) if holder else None
        return exchanges.reverse(conn, t, str(exchange_id), body.model_dump(mode="json"), mykey)

    return await ctx.pipeline.respond(request, handler, idempotent=True)


@router.post("/settlements/batches", response_model=m.BatchOut, summary="upload settlement records (gzip allowed)")
async def batches(request: Request, body: m.BatchIn, key: IdemKey, ctx: Ctx):
    return await ctx.pipeline.respond(
        request,
        # SettlementRecord is a TypedDict: the records are plain dicts at run time.
        lambda conn, t: settlements.receive(conn, t, body.terminal_id, cast(list[dict[str, Any]], body.records)),
        idempotent=True,
    )


@router.get("/reports/monthly", response_model=m.MonthlyOut, summary="issued, used, expired per month")
async def monthly(
    request: Request,
    ctx: Ctx,
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$")],
    to: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
    event_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    terminal_id: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="count `used` for this terminal only (the caller's own)"),
    ] = None,
):
    return await ctx.pipeline.respond(
        request, lambda conn, t: reports.monthly(conn, from_, to, event_id, terminal_id, caller=t.terminal_id)
    )


def _jsonable(data: dict) -> dict:
    from kiosk_demo.cloud.timefmt import iso

    return {k: iso(v) if k.endswith("_at") else v for k, v in data.items()}
