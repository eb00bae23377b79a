"""The point cloud simulator as an ASGI application (FastAPI), and its OpenAPI document.

`create_app` builds the FastAPI app (the OpenAPI source of truth, written to
resources/openapi.json by `kiosk cloud-sim --write-openapi`); `asgi` wraps it in the
outer middlewares (fault injection, gzip request bodies) that uvicorn serves.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

import kiosk.resources as resources  # not `from kiosk import`: see pyproject [tool.mypy]
from kiosk import __version__
from kiosk.rules import ValidityRule
from kiosk.sync.cloud_errors import Code
from kiosk_demo.cloud import routes_sim, routes_v1
from kiosk_demo.cloud.context import Context
from kiosk_demo.cloud.db import Database
from kiosk_demo.cloud.faults import FaultBook, FaultMiddleware
from kiosk_demo.cloud.gzip_body import GzipRequestMiddleware
from kiosk_demo.cloud.pipeline import Pipeline
from kiosk_demo.cloud.trust import TrustStore, load_anchors

log = logging.getLogger(__name__)
OPENAPI_PATH = Path(str(resources.file("openapi.json")))  # the shipped copy (source: resources/)
DESCRIPTION = """\
The kiosk's own interface to a municipal point cloud (no public specification of the real
one exists; nothing here claims compatibility with it). See docs/cloud-api.md.
Amounts are integers (points); times are RFC 3339 with offset. Terminal requests carry an
HMAC signature; state-changing calls carry an Idempotency-Key. Errors are
{"error": {"code", "message"}} with stable codes. /sim/… exists only in the simulator.
"""


def _error(code: Code, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code.value, "message": message}}, status_code=status)


def create_app(
    db_path: Path | str | None = ":memory:", trust: list[str | Path] | None = None, validity: ValidityRule | None = None
) -> FastAPI:
    app = FastAPI(
        title="Point cloud interface (kiosk)",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = None
    if db_path is not None:
        db = Database(db_path)
        app.state.ctx = Context(
            db=db,
            pipeline=Pipeline(db),
            trust=TrustStore(load_anchors(trust or [])),
            validity=validity or ValidityRule(),
            faults=FaultBook(),
        )
    app.include_router(routes_v1.router)
    app.include_router(routes_sim.router)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(tuple(e.get("loc", ()))[:2] == ("header", "Idempotency-Key") for e in errors):
            return _error(Code.IDEMPOTENCY_KEY_REQUIRED, "Idempotency-Key (a UUID) is required", 400)
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(Code.INVALID_REQUEST, f"{where}: {first.get('msg', 'invalid')}", 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error(Code.NOT_FOUND, "no such endpoint", 404)
        if exc.status_code == 405:
            return _error(Code.NOT_FOUND, "method not allowed here", 405)
        if exc.status_code == 400:  # FastAPI's "error parsing the body": malformed, like any other
            return _error(Code.INVALID_REQUEST, str(exc.detail), 422)
        return _error(Code.INVALID_REQUEST, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(Code.INTERNAL_ERROR, f"{type(exc).__name__}", 500)

    return app


def asgi(app: FastAPI):
    """The app as served: faults outermost (a drop must reach the socket), then gzip bodies."""
    return FaultMiddleware(GzipRequestMiddleware(app), app.state.ctx.faults)


def openapi_document() -> dict:
    return create_app(db_path=None).openapi()


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
