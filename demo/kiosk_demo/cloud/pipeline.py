"""One terminal call = one serialised transaction: authenticate, idempotency, handler.

The terminal's signature is remembered in the same transaction, and a refusal by the
handler (ApiError) rolls back only the handler's savepoint, so a refused request still
cannot be replayed and its refusal is what an idempotent retry gets back.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from kiosk.sync.cloud_errors import Code
from kiosk.sync.terminal_auth import body_sha256
from kiosk_demo.cloud import auth
from kiosk_demo.cloud.db import Database
from kiosk_demo.cloud.errors import ApiError
from kiosk_demo.cloud.gzip_body import SENT_SHA256

Handler = Callable[[sqlite3.Connection, auth.Terminal], tuple[int, dict]]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # raw path and query, as signed
    route: str  # path without query (idempotency scope)
    headers: Headers
    sent_sha256: str  # hash of the body as sent (for the signature)
    body_sha256: str  # hash of the body, gzip undone (the idempotency fingerprint)


async def read_call(request: Request) -> Call:
    scope = request.scope
    body = await request.body()
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    return Call(
        request.method,
        raw_path + ("?" + query if query else ""),
        scope["path"],
        request.headers,
        scope.get(SENT_SHA256) or body_sha256(body),
        body_sha256(body),
    )


def _key(call: Call) -> str:
    raw = call.headers.get("Idempotency-Key")
    try:
        return str(uuid.UUID(raw)) if raw else ""
    except ValueError:
        return ""


class Pipeline:
    def __init__(self, db: Database) -> None:
        self.db = db

    def run(
        self, call: Call, handler: Handler, *, idempotent: bool = False, keep_on_error: bool = False
    ) -> tuple[int, dict]:
        with self.db.write() as conn:
            terminal = auth.authenticate_terminal(conn, call.headers, call.method, call.path, call.sent_sha256)
            key = _key(call) if idempotent else ""
            if idempotent:
                if not key:
                    raise ApiError(Code.IDEMPOTENCY_KEY_REQUIRED, "Idempotency-Key (a UUID) is required")
                row = conn.execute(
                    "SELECT body_sha256, status, response FROM idempotency WHERE terminal_id = ? "
                    "AND key = ? AND method = ? AND path = ?",
                    (terminal.terminal_id, key, call.method, call.route),
                ).fetchone()
                if row is not None:
                    if row["body_sha256"] != call.body_sha256:
                        raise ApiError(Code.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key was used with another body")
                    return row["status"], json.loads(row["response"])
            conn.execute("SAVEPOINT handler")
            try:
                status, body = handler(conn, terminal)
            except ApiError as exc:
                if not keep_on_error:  # (a spent challenge stays spent)
                    conn.execute("ROLLBACK TO handler")
                status, body = exc.status, exc.body()
            conn.execute("RELEASE handler")
            if idempotent:
                conn.execute(
                    "INSERT INTO idempotency (terminal_id, key, method, path, body_sha256, status, response, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        terminal.terminal_id,
                        key,
                        call.method,
                        call.route,
                        call.body_sha256,
                        status,
                        json.dumps(body),
                        to_us_now(),
                    ),
                )
            return status, body

    async def respond(
        self, request: Request, handler: Handler, *, idempotent: bool = False, keep_on_error: bool = False
    ) -> JSONResponse:
        call = await read_call(request)
        try:
            status, body = await run_in_threadpool(
                self.run, call, handler, idempotent=idempotent, keep_on_error=keep_on_error
            )
        except ApiError as exc:
            status, body = exc.status, exc.body()
        return JSONResponse(body, status_code=status)


def to_us_now() -> int:
    return time.time_ns() // 1000
