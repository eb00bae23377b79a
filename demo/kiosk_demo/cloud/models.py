"""Request and response bodies of the cloud interface (they are the OpenAPI schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import (
    Annotated,
    Literal,
    NotRequired,  # pydantic needs this one on Python < 3.12
)
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

_EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
_LATEST = datetime(2199, 12, 31, tzinfo=UTC)


def _in_range(moment: datetime) -> datetime:
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("times must lie between 1970 and 2199")
    return moment


# Simulator inputs: a bounded range keeps every later "+ 100 days" inside datetime's range.
Moment = Annotated[AwareDatetime, AfterValidator(_in_range), Field(description="RFC 3339, 1970–2199")]
Points = int  # amounts are integers; the handlers, not the schema, refuse out-of-range amounts


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- holder authentication -------------------------------------------------------------
class ChallengeOut(BaseModel):
    challenge_id: str
    nonce: str = Field(description="base64 of 32 random bytes; the card signs SHA-256(nonce)")
    expires_at: AwareDatetime


class HolderAuthIn(Strict):
    challenge_id: str = Field(min_length=1, max_length=64)
    certificate: str = Field(
        min_length=1,
        max_length=16384,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="user-authentication certificate, base64 DER",
    )
    signature: str = Field(
        min_length=1,
        max_length=4096,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="RSASSA-PKCS1-v1_5 / SHA-256 over the nonce, base64",
    )


class HolderTokenOut(BaseModel):
    holder_token: str
    mykey_id: str
    expires_at: AwareDatetime


class MyKeyIn(HolderAuthIn):
    """The very challenge, certificate and signature of a holder authentication that was
    answered no_mykey_id, with the holder's consent."""

    consent: Literal[True] = Field(description="the holder agreed at the counter to set up a MyKey ID")


class MyKeyOut(HolderTokenOut):
    created: bool = Field(description="false if the certificate already had a MyKey ID")


# -- balance ---------------------------------------------------------------------------
class ReservedOut(BaseModel):
    points: int
    expires_at: AwareDatetime


class LotOut(BaseModel):
    lot_id: str
    event_id: str
    points: int
    issued_at: AwareDatetime
    expires_at: AwareDatetime


class BalanceOut(BaseModel):
    mykey_id: str
    as_of: AwareDatetime
    reserved: list[ReservedOut]
    lots: list[LotOut]
    usable: int


class HolderAuthOut(HolderTokenOut):
    # The holder's balance at sign-in, as GET /v1/holder/balance gives it: one round trip
    # from the PIN to the amount screen instead of two.
    balance: BalanceOut


class AssignIn(Strict):
    event_id: str = Field(min_length=1, max_length=64)
    points: Points


class AssignOut(BaseModel):
    lot: LotOut
    reserved_left: int


# -- exchanges -------------------------------------------------------------------------
class HoldIn(Strict):
    exchange_id: UUID
    event_id: str = Field(min_length=1, max_length=64)
    points: Points


class LotPart(BaseModel):
    lot_id: str
    points: int


class Breka(Strict):
    card_ref: str = Field(min_length=1, max_length=128, description="keyed hash of the card UID, never the UID")
    load_id: UUID
    loaded: int
    fee: int
    balance_after: int


class CommitIn(Strict):
    breka: Breka


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


class ReversedBreka(Strict):
    card_ref: str = Field(min_length=1, max_length=128, description="the exchange's card (keyed hash)")
    unloaded: int = Field(ge=1, le=2**31 - 1, description="Breka points taken back: the exchange's `loaded`")
    balance_after: int = Field(ge=0, le=2**31 - 1, description="the card's balance after the reversal")


class ReverseIn(Strict):
    reversal_id: UUID = Field(description="= Idempotency-Key; the card's reversal record id")
    reason: str = Field(min_length=1, max_length=200)
    breka: ReversedBreka


class ReverseOut(BaseModel):
    exchange_id: str
    state: Literal["reversed"]
    reversal_id: str
    points_returned: int


State = Literal["held", "committed", "cancelled"]


class ExchangeOut(BaseModel):
    exchange_id: str
    state: State
    event_id: str
    points: int
    lots: list[LotPart]
    mykey_id: str
    created_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    breka: dict | None = None
    cancel_reason: str | None = None


class StateOut(BaseModel):
    exchange_id: str
    state: State


class ExchangeList(BaseModel):
    exchanges: list[ExchangeOut]


# -- settlement ------------------------------------------------------------------------
class SettlementRecord(TypedDict):  # a dict, not a model: 1,000 per batch, nothing to dump
    __pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[misc]

    record_id: Annotated[str, Field(min_length=1, max_length=64)]
    seq: Annotated[int, Field(ge=1, le=2**62)]
    terminal_id: Annotated[str, Field(min_length=1, max_length=64)]
    exchange_id: Annotated[str, Field(min_length=1, max_length=64)]
    occurred_at: Annotated[str, Field(min_length=1, max_length=40)]
    mykey_id: Annotated[str, Field(min_length=1, max_length=64)]
    event_id: Annotated[str, Field(min_length=1, max_length=64)]
    points_used: Annotated[int, Field(ge=-(2**62), le=2**62)]  # negative in a reversal
    fee: Annotated[int, Field(ge=-(2**62), le=2**62)]
    loaded: Annotated[int, Field(ge=-(2**62), le=2**62)]
    card_ref: Annotated[str, Field(min_length=1, max_length=128)]
    load_id: Annotated[str, Field(min_length=1, max_length=64)]
    prev_hash: Annotated[str, Field(min_length=64, max_length=64)]
    hash: Annotated[str, Field(min_length=64, max_length=64)]
    signature: Annotated[str, Field(min_length=1, max_length=200)]
    kind: NotRequired[Literal["reversal"]]  # absent: an exchange's record


class BatchIn(Strict):
    terminal_id: str = Field(min_length=1, max_length=64)
    records: list[SettlementRecord] = Field(max_length=1000)


class Rejected(BaseModel):
    record_id: str
    code: str


class ChainHead(BaseModel):
    seq: int = Field(description="the terminal's last record in the cloud's chain (0: none yet)")
    hash: str


class BatchOut(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    rejected: list[Rejected]
    head: ChainHead = Field(description="the terminal's chain head after this batch (parked records included)")


# -- reports ---------------------------------------------------------------------------
class Figures(BaseModel):
    count: int
    points: int
    holders: int


class MonthFigures(BaseModel):
    month: str
    issued: Figures
    used: Figures
    expired: Figures


class MonthlyOut(BaseModel):
    event_id: str | None
    terminal_id: str | None = Field(
        description="the terminal whose exchanges `used` counts (as asked), or null for every terminal"
    )
    months: list[MonthFigures]
    totals: MonthFigures = Field(description="the whole range; holders are distinct over the range")


# -- simulator only --------------------------------------------------------------------
class TerminalIn(Strict):
    terminal_id: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=4, max_length=512, pattern=r"^[A-Za-z0-9+/]*={0,2}$", description="base64")
    device_public_key: str = Field(min_length=44, max_length=44, description="base64 raw Ed25519 public key")
    events: list[str] = Field(default_factory=list, max_length=100)


class EventIn(Strict):
    event_id: str = Field(min_length=1, max_length=64)
    issue_from: Moment
    issue_until: Moment
    exchange_until: Moment | None = None


class EnrolIn(Strict):
    certificate: str = Field(min_length=1, max_length=16384, pattern=r"^[A-Za-z0-9+/]*={0,2}$")
    mykey_id: str | None = Field(default=None, min_length=1, max_length=64)


class EnrolOut(BaseModel):
    mykey_id: str


class RevokedOut(BaseModel):
    revoked: bool


class IssueIn(Strict):
    mykey_id: str = Field(min_length=1, max_length=64)
    event_id: str = Field(min_length=1, max_length=64)
    points: Points
    at: Moment | None = None


class ReservedIn(Strict):
    mykey_id: str = Field(min_length=1, max_length=64)
    points: Points
    at: Moment | None = None


class WaitingIn(Strict):
    certificate: str = Field(min_length=1, max_length=16384, pattern=r"^[A-Za-z0-9+/]*={0,2}$")
    points: Points
    at: Moment | None = None


class WaitingOut(BaseModel):
    waiting_id: str
    points: int


class ReservedEntryOut(BaseModel):
    reserved_id: str
    points: int
    expires_at: AwareDatetime


class ClockIn(Strict):
    now: Moment | None = None
    advance_s: int | None = Field(default=None, ge=-(10**9), le=10**9)
    frozen: bool = True


class ClockOut(BaseModel):
    now: AwareDatetime
    frozen: bool


class FaultIn(Strict):
    path: str = Field(min_length=1, max_length=200, description="glob, e.g. /v1/exchanges/*/commit")
    method: str = Field(default="*", max_length=10)
    kind: Literal["delay", "error", "drop", "answer"]
    phase: Literal["before", "after"] = Field(
        default="after",
        description="before: the call never reaches the ledger; after: it takes effect, "
        "then the answer is delayed, replaced or lost",
    )
    status: int = Field(default=500, ge=200, le=599, description="of the error or the answer")
    body: str = Field(
        default="{}", max_length=100_000, description="answer: the body sent instead (what a wrong server says)"
    )
    delay_ms: int = Field(default=0, ge=0, le=60_000)
    count: int = Field(default=1, ge=1, le=1000)


class FaultOut(FaultIn):
    fault_id: int
    model_config = ConfigDict(extra="ignore")


class Health(BaseModel):
    ok: bool
    now: AwareDatetime
