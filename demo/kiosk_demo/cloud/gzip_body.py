"""Accept `Content-Encoding: gzip` request bodies (settlement batches can be large).

The terminal signature covers the body as sent, so the hash of the compressed bytes is
kept in the scope for the authentication step before the body is inflated.
"""

from __future__ import annotations

import hashlib
import json
import zlib

MAX_INFLATED = 16 * 1024 * 1024
SENT_SHA256 = "kiosk.sent_body_sha256"


async def _reply(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


class GzipRequestMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if headers.get(b"content-encoding", b"").lower() != b"gzip":
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        sent = b"".join(chunks)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(sent, MAX_INFLATED)
            if inflater.unconsumed_tail:
                return await _reply(send, 413, "invalid_request", "inflated body is larger than 16 MiB")
        except zlib.error:
            return await _reply(send, 422, "invalid_request", "body is not valid gzip")
        scope = dict(scope)
        scope[SENT_SHA256] = hashlib.sha256(sent).hexdigest()
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k not in (b"content-encoding", b"content-length")]
        scope["headers"].append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def inflated():
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, inflated, send)
