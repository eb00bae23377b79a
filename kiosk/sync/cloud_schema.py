"""What each cloud answer must contain (the OpenAPI models), checked before anything acts on it.

A 2xx answer counts only when it has the promised fields, of the promised types and
ranges, and echoes what was asked (exchange id, state, event, points, holder). A proxy
answering a hold with `200 {}` must never lead to a card load, nor a commit answered
with `[]` to a "committed". Each check returns the answer or raises SchemaError, which
the client turns into UnexpectedResponse. Messages name fields, never values of tokens.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

MAX_POINTS = 2**62  # the settlement record's bound; anything above is not an amount
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


Obj = dict[str, Any]


class SchemaError(ValueError):
    pass


def _obj(value: Any, where: str) -> Obj:
    if not isinstance(value, dict):
        raise SchemaError(f"{where} is not an object")
    return value


def _str(d: Obj, key: str, where: str, *, max_len: int = 4096) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= max_len:
        raise SchemaError(f"{where}.{key} is missing or not a text of 1 to {max_len} characters")
    return value


def _int(d: Obj, key: str, where: str, lo: int = 0, hi: int = MAX_POINTS) -> int:
    value = d.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise SchemaError(f"{where}.{key} is missing or not a whole number from {lo} to {hi}")
    return value


def _time(d: Obj, key: str, where: str, *, optional: bool = False) -> None:
    if optional and d.get(key) is None:
        return
    text = _str(d, key, where, max_len=40)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SchemaError(f"{where}.{key} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise SchemaError(f"{where}.{key} has no offset")


def _list(d: Obj, key: str, where: str) -> list[Any]:
    value = d.get(key)
    if not isinstance(value, list):
        raise SchemaError(f"{where}.{key} is missing or not a list")
    return value


def _echo(what: str, got: Any, asked: Any) -> None:
    if got != asked:
        raise SchemaError(f"{what} is {got!r}, asked for {asked!r}")


def _same_id(got: str, asked: str, what: str = "exchange_id") -> None:
    _echo(what, got.lower(), asked.lower())  # UUIDs: the cloud may print them in either case


# -- holder authentication ---------------------------------------------------------------
def challenge(data: Any) -> Obj:
    d = _obj(data, "challenge")
    _str(d, "challenge_id", "challenge", max_len=64)
    try:
        nonce = base64.b64decode(_str(d, "nonce", "challenge", max_len=100), validate=True)
    except (binascii.Error, ValueError):
        raise SchemaError("challenge.nonce is not base64") from None
    if len(nonce) != 32:
        raise SchemaError("challenge.nonce is not 32 bytes")
    _time(d, "expires_at", "challenge")
    return d


def holder_auth(data: Any) -> Obj:
    """The token, and the holder's balance (checked as GET /v1/holder/balance's answer, for
    the same MyKey ID). A cloud that sends no balance is still understood: the kiosk then
    asks for it (one round trip more)."""
    d = _obj(data, "holder")
    _str(d, "holder_token", "holder", max_len=190)  # the cloud takes `Bearer <token>` up to 200
    mykey_id = _str(d, "mykey_id", "holder", max_len=64)
    _time(d, "expires_at", "holder")
    if d.get("balance") is not None:
        balance(d["balance"], mykey_id)
    return d


def mykey_created(data: Any) -> Obj:
    d = holder_auth(data)
    if not isinstance(d.get("created"), bool):
        raise SchemaError("mykey.created is missing or not true or false")
    return d


# -- balance -----------------------------------------------------------------------------
def _lot(value: Any, where: str) -> Obj:
    lot = _obj(value, where)
    _str(lot, "lot_id", where, max_len=64)
    _str(lot, "event_id", where, max_len=64)
    _int(lot, "points", where)
    _time(lot, "issued_at", where)
    _time(lot, "expires_at", where)
    return lot


def balance(data: Any, mykey_id: str | None) -> Obj:
    d = _obj(data, "balance")
    if mykey_id is not None:
        _echo("balance.mykey_id", _str(d, "mykey_id", "balance", max_len=64), mykey_id)
    _time(d, "as_of", "balance")
    for i, r in enumerate(_list(d, "reserved", "balance")):
        _int(_obj(r, f"balance.reserved[{i}]"), "points", f"balance.reserved[{i}]")
        _time(r, "expires_at", f"balance.reserved[{i}]")
    for i, lot in enumerate(_list(d, "lots", "balance")):
        _lot(lot, f"balance.lots[{i}]")
    _int(d, "usable", "balance")
    return d


def assigned(data: Any, event_id: str, points: int) -> Obj:
    d = _obj(data, "assign")
    lot = _lot(d.get("lot"), "assign.lot")
    _echo("assign.lot.event_id", lot["event_id"], event_id)
    _echo("assign.lot.points", lot["points"], points)
    _int(d, "reserved_left", "assign")
    return d


# -- exchanges ---------------------------------------------------------------------------
def exchange(
    data: Any,
    exchange_id: str | None = None,
    *,
    state: str | None = None,
    event_id: str | None = None,
    points: int | None = None,
    mykey_id: str | None = None,
    where: str = "exchange",
) -> Obj:
    d = _obj(data, where)
    got_id = _str(d, "exchange_id", where, max_len=64)
    if exchange_id is not None:
        _same_id(got_id, exchange_id)
    got_state = d.get("state")
    if got_state not in ("held", "committed", "cancelled"):
        raise SchemaError(f"{where}.state is not held, committed or cancelled")
    if state is not None:
        _echo(f"{where}.state", got_state, state)
    got_event = _str(d, "event_id", where, max_len=64)
    if event_id is not None:
        _echo(f"{where}.event_id", got_event, event_id)
    got_points = _int(d, "points", where, lo=1)
    if points is not None:
        _echo(f"{where}.points", got_points, points)
    got_holder = _str(d, "mykey_id", where, max_len=64)
    if mykey_id is not None:
        _echo(f"{where}.mykey_id", got_holder, mykey_id)
    parts = _list(d, "lots", where)
    for i, part in enumerate(parts):
        _str(_obj(part, f"{where}.lots[{i}]"), "lot_id", f"{where}.lots[{i}]", max_len=64)
        _int(part, "points", f"{where}.lots[{i}]", lo=1)
    if got_state == "held" and sum(p["points"] for p in parts) != got_points:
        raise SchemaError(f"{where}.lots do not add up to its points")  # held points are in lots
    _time(d, "created_at", where)
    _time(d, "finished_at", where, optional=True)
    return d


def state(data: Any, exchange_id: str, expected: str) -> Obj:
    d = _obj(data, "answer")
    _same_id(_str(d, "exchange_id", "answer", max_len=64), exchange_id)
    _echo("state", d.get("state"), expected)
    return d


def reversed_(data: Any, exchange_id: str, reversal_id: str) -> Obj:
    """The answer to a reversal: that exchange, reversed by that reversal, points returned."""
    d = state(data, exchange_id, "reversed")
    _same_id(_str(d, "reversal_id", "answer", max_len=64), reversal_id, "reversal_id")
    returned = d.get("points_returned")
    if not isinstance(returned, int) or isinstance(returned, bool) or returned <= 0:
        raise SchemaError("answer.points_returned is not a positive whole number")
    return d


def open_holds(data: Any) -> list[Obj]:
    d = _obj(data, "holds")
    items = _list(d, "exchanges", "holds")
    return [exchange(x, state="held", where=f"holds.exchanges[{i}]") for i, x in enumerate(items)]


# -- settlement and reports --------------------------------------------------------------
def batch(data: Any) -> Obj:
    d = _obj(data, "batch")
    for key in ("accepted", "duplicates"):
        if not all(isinstance(x, str) for x in _list(d, key, "batch")):
            raise SchemaError(f"batch.{key} holds something other than record ids")
    for i, r in enumerate(_list(d, "rejected", "batch")):
        _str(_obj(r, f"batch.rejected[{i}]"), "record_id", f"batch.rejected[{i}]", max_len=64)
        _str(r, "code", f"batch.rejected[{i}]", max_len=64)
    return d


def _month(value: Any, where: str) -> Obj:
    m = _obj(value, where)
    for part in ("issued", "used", "expired"):
        figures = _obj(m.get(part), f"{where}.{part}")
        for key in ("count", "points", "holders"):
            _int(figures, key, f"{where}.{part}")
    return m


def monthly(data: Any, from_month: str, to_month: str, event_id: str | None, terminal_id: str | None = None) -> Obj:
    d = _obj(data, "report")
    _echo("report.event_id", d.get("event_id"), event_id)
    if terminal_id is not None:  # figures for the whole event would flag every month as a mismatch
        _echo("report.terminal_id", d.get("terminal_id"), terminal_id)
    for i, m in enumerate(_list(d, "months", "report")):
        month = _str(_month(m, f"report.months[{i}]"), "month", f"report.months[{i}]", max_len=7)
        if not _MONTH.match(month) or not from_month <= month <= to_month:
            raise SchemaError(f"report.months[{i}].month is not a month from {from_month} to {to_month}")
    _month(d.get("totals"), "report.totals")
    return d
