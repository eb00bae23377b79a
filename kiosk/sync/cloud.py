"""The kiosk's client for the point cloud (cloud-api.md), on one requests Session.

Every call has a timeout and the terminal signature (kiosk.sync.terminal_auth); TLS is
verified (a CA bundle can be configured). Only requests that carry an Idempotency-Key
are retried — after a timeout, a dropped connection or a 5xx — with exponential backoff
and jitter, each attempt signed afresh. Refusals become one exception type per stable
code (kiosk.sync.cloud_errors); no usable answer becomes CloudUnavailable.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from requests.auth import AuthBase

from kiosk.sync.cloud_errors import CloudUnavailable, UnexpectedResponse, error_for
from kiosk.sync.terminal_auth import sign_headers

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({500, 502, 503, 504})


class TerminalAuth(AuthBase):
    """Signs the prepared request (final body bytes, path with query) with the terminal secret."""

    def __init__(self, terminal_id: str, secret: bytes) -> None:
        self.terminal_id, self._secret = terminal_id, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        headers = request.headers
        signed = sign_headers(
            self.terminal_id,
            self._secret,
            request.method or "GET",
            request.path_url,
            body,
            idempotency_key=headers.get("Idempotency-Key"),
            authorization=headers.get("Authorization"),
        )
        headers.update(signed)
        return request


@dataclass(frozen=True)
class HolderSession:
    token: str
    mykey_id: str
    expires_at: str


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    nonce: bytes
    expires_at: str


class CloudClient:
    def __init__(
        self,
        base_url: str,
        terminal_id: str,
        secret: bytes,
        *,
        timeout_s: float = 5.0,
        ca_bundle: str | None = None,
        proxy: str | None = None,
        retries: int = 3,
        backoff_s: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self.session = requests.Session()
        self.session.auth = TerminalAuth(terminal_id, secret)
        # Never False: TLS is always verified. Passed on every request too, because requests
        # lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's own `verify`.
        self.verify: str | bool = ca_bundle or True
        self.session.verify = self.verify
        # Network settings come from the kiosk's configuration only, never from environment
        # variables or ~/.netrc (which also spares ~1.5 ms of look-ups on every call).
        self.session.trust_env = False
        if proxy:
            self.session.proxies = {"http": proxy, "https": proxy}
        self.session.headers.update({"Accept": "application/json", "User-Agent": "kiosk-cloud-client"})

    @classmethod
    def from_config(cls, cfg, **kwargs: Any) -> CloudClient:
        """Build from the kiosk config; the terminal secret comes from the OS keyring."""
        from kiosk.secrets import Secret, require_secret

        return cls(
            cfg.get("cloud", "url"),
            cfg.get("cloud", "terminal_id"),
            require_secret(Secret.TERMINAL_SECRET),
            timeout_s=cfg.get("cloud", "timeout_s"),
            ca_bundle=cfg.get("cloud", "ca_bundle") or None,
            proxy=cfg.get("cloud", "proxy") or None,
            **kwargs,
        )

    def close(self) -> None:
        self.session.close()

    # -- holder authentication -------------------------------------------------------
    def challenge(self) -> Challenge:
        data = self._call("POST", "/v1/auth/challenge", body={})
        return Challenge(data["challenge_id"], base64.b64decode(data["nonce"]), data["expires_at"])

    def authenticate_holder(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> HolderSession:
        data = self._call(
            "POST",
            "/v1/auth/holder",
            body={
                "challenge_id": challenge_id,
                "certificate": base64.b64encode(certificate_der).decode("ascii"),
                "signature": base64.b64encode(signature).decode("ascii"),
            },
        )
        return HolderSession(data["holder_token"], data["mykey_id"], data["expires_at"])

    # -- balance and exchanges -------------------------------------------------------
    def balance(self, holder: HolderSession | str) -> dict[str, Any]:
        return self._call("GET", "/v1/holder/balance", holder=holder)

    def assign_reserved(self, holder: HolderSession | str, event_id: str, points: int, key: str) -> dict[str, Any]:
        return self._call(
            "POST", "/v1/holder/reserved/assign", body={"event_id": event_id, "points": points}, holder=holder, key=key
        )

    def hold(self, holder: HolderSession | str, exchange_id: str, event_id: str, points: int) -> dict[str, Any]:
        return self._call(
            "POST",
            "/v1/exchanges",
            holder=holder,
            key=exchange_id,
            body={"exchange_id": exchange_id, "event_id": event_id, "points": points},
        )

    def commit(
        self, exchange_id: str, *, card_ref: str, load_id: str, loaded: int, fee: int, balance_after: int
    ) -> dict[str, Any]:
        breka = {"card_ref": card_ref, "load_id": load_id, "loaded": loaded, "fee": fee, "balance_after": balance_after}
        return self._call("POST", f"/v1/exchanges/{exchange_id}/commit", body={"breka": breka}, key=exchange_id)

    def cancel(self, exchange_id: str, reason: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/exchanges/{exchange_id}/cancel", body={"reason": reason}, key=exchange_id)

    def exchange(self, exchange_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/exchanges/{exchange_id}")

    def open_holds(self, older_than_s: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/exchanges", query={"state": "held", "older_than_s": older_than_s})["exchanges"]

    # -- settlement and reports ------------------------------------------------------
    def prepare_batch(self, records: list[dict[str, Any]] | list[str], *, compress: bool = True) -> PreparedBody:
        """Encode (and gzip) a settlement batch ahead of sending it. `records` are dicts, or
        their JSON texts as the outbox stores them (joined without re-encoding)."""
        texts = [r if isinstance(r, str) else _json(r) for r in records]
        body = f'{{"terminal_id":{_json(self.terminal_id)},"records":[{",".join(texts)}]}}'.encode()
        return PreparedBody(gzip.compress(body, compresslevel=1, mtime=0) if compress else body, compress)

    def upload_batch(
        self, records: list[dict[str, Any]] | list[str] | PreparedBody, key: str | None = None, *, compress: bool = True
    ) -> dict[str, Any]:
        body = records if isinstance(records, PreparedBody) else self.prepare_batch(records, compress=compress)
        return self._call("POST", "/v1/settlements/batches", key=key or str(uuid.uuid4()), body=body)

    def monthly(self, from_month: str, to_month: str, event_id: str | None = None) -> dict[str, Any]:
        query = {"from": from_month, "to": to_month} | ({"event_id": event_id} if event_id else {})
        return self._call("GET", "/v1/reports/monthly", query=query)

    # -- transport -------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        holder: HolderSession | str | None = None,
        key: str | None = None,
    ) -> Any:
        url = self.base_url + path + ("?" + urlencode(query) if query else "")
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            if not isinstance(body, PreparedBody):
                body = PreparedBody(_json(body).encode("utf-8"), False)
            data = body.data
            headers["Content-Type"] = "application/json"
            if body.gzipped:
                headers["Content-Encoding"] = "gzip"
        if holder is not None:
            headers["Authorization"] = "Bearer " + (holder.token if isinstance(holder, HolderSession) else holder)
        if key is not None:
            headers["Idempotency-Key"] = key
        attempts = 1 + (self.retries if key is not None else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.request(
                    method, url, data=data, headers=headers, timeout=self.timeout_s, verify=self.verify
                )
            except requests.RequestException as exc:
                failure: Exception = CloudUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}")
            else:
                if response.status_code not in RETRY_STATUS:
                    return _result(response, method, path)
                failure = _error(response, method, path)
            if attempt == attempts:
                raise failure
            delay = self.backoff_s * (2 ** (attempt - 1))
            delay += random.uniform(0, delay)  # jitter: terminals that failed together retry apart
            log.warning("%s %s failed (%s); retry %d/%d in %.2fs", method, path, failure, attempt, attempts - 1, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class PreparedBody:
    """A request body encoded ahead of sending: JSON bytes, gzipped (level 1: speed over
    size; JSON shrinks ~3x anyway) when `gzipped`."""

    data: bytes
    gzipped: bool


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _result(response: requests.Response, method: str, path: str) -> Any:
    if response.status_code < 300:
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponse(f"{method} {path}: answer is not JSON", status=response.status_code) from None
    raise _error(response, method, path)


def _error(response: requests.Response, method: str, path: str) -> Exception:
    try:
        err = response.json()["error"]
        code, message = str(err["code"]), str(err.get("message", ""))
    except (ValueError, KeyError, TypeError):
        if response.status_code >= 500:
            return CloudUnavailable(f"{method} {path}: HTTP {response.status_code}", status=response.status_code)
        return UnexpectedResponse(
            f"{method} {path}: HTTP {response.status_code} without an error body", status=response.status_code
        )
    exc = error_for(code, f"{method} {path}: {message}", response.status_code)
    return exc
