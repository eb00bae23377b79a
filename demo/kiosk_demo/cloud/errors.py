"""Refusals as `{"error": {"code", "message"}}` with the status of kiosk.sync.cloud_errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kiosk.sync.cloud_errors import STATUS, Code


class ApiError(Exception):
    def __init__(self, code: Code, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or STATUS[code]

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code.value, "message": self.message}}


class ErrorDetail(BaseModel):
    code: Code
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


# Every /v1 operation documents every refusal class it can meet, so a client generated
# from the OpenAPI document (and schemathesis) knows each status and its body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("Idempotency-Key missing or malformed"),
    401: _doc("terminal or holder authentication refused"),
    403: _doc("holder authentication refused, or not allowed for this terminal"),
    404: _doc("no such exchange, event or holder"),
    409: _doc("conflicts with the current state (insufficient points, closed event, committed)"),
    413: _doc("request body too large"),
    422: _doc("malformed request, invalid amount, or an Idempotency-Key reused with another body"),
    500: _doc("server error (or an injected fault)"),
    503: _doc("injected fault"),
}
SIM_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _doc("no such holder or event"),
    409: _doc("conflicts with the current state"),
    413: _doc("request body too large"),
    422: _doc("malformed request"),
}
