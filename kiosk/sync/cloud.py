"""The kiosk's client for the point cloud (cloud-api.md), on one requests Session.

Every call carries the terminal signature (kiosk.sync.terminal_auth) and is bounded:
connect and per-read timeouts, a deadline per attempt and per call (retries included),
and a maximum body size (kiosk.sync.cloud_http). TLS is verified (a CA bundle can be
configured); redirects are not followed. Only requests that carry an Idempotency-Key are
retried — after a timeout, a dropped connection or a 5xx — with exponential backoff and
jitter, each attempt signed afresh. Refusals become one exception type per stable code
(kiosk.sync.cloud_errors); no usable answer becomes CloudUnavailable; a 2xx answer that
does not match what was asked (kiosk.sync.cloud_schema) becomes UnexpectedResponse.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import requests
import urllib3
from requests.auth import AuthBase

from kiosk.sync import cloud_schema as schema
from kiosk.sync.cloud_errors import STATUS, CloudUnavailable, Code, Interrupted, UnexpectedResponse, error_for
from kiosk.sync.cloud_http import BadEncoding, BodyTooLarge, BoundedAdapter, Deadline, read_body
from kiosk.sync.terminal_auth import sign_headers

if TYPE_CHECKING:
    from kiosk.config import Config

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({500, 502, 503, 504})
MAX_BODY = 4 * 2**20  # answers are small; a bigger one is not the cloud's
MAX_REPORT_BODY = 32 * 2**20  # a monthly report over many years
T = TypeVar("T")


class TerminalAuth(AuthBase):
    """Signs the prepared request (final body bytes, path with query) with the terminal secret."""

    def __init__(self, terminal_id: str, secret: bytes) -> None:
        self.terminal_id, self._secret = terminal_id, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        if body is not None and not isinstance(body, bytes):  # the client never streams a body
            raise TypeError(f"cannot sign a {type(body).__name__} request body; pass bytes")
        headers = request.headers
        signed = sign_headers(
            self.terminal_id,
            self._secret,
            request.method or "GET",
            request.path_url,
            body,
            idempotency_key=_text(headers.get("Idempotency-Key")),
            authorization=_text(headers.get("Authorization")),
        )
        headers.update(signed)
        return request


@dataclass(frozen=True)
class HolderSession:
    token: str
    mykey_id: str
    expires_at: str
    # The balance the cloud sent with the token (schema-checked), None if it sent none.
    balance: dict[str, Any] | None = field(default=None, compare=False, repr=False)


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
        connect_timeout_s: float = 3.0,
        deadline_s: float | None = None,
        max_body: int = MAX_BODY,
        ca_bundle: str | None = None,
        proxy: str | None = None,
        retries: int = 3,
        backoff_s: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self.timeout_s = timeout_s  # one attempt: connect, send, headers and body
        self.connect_timeout_s = min(connect_timeout_s, timeout_s)
        self.deadline_s = deadline_s if deadline_s is not None else 3 * timeout_s  # a call, retries included
        self.max_body = max_body
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, BoundedAdapter())
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
        self.session.headers.update(
            {"Accept": "application/json", "Accept-Encoding": "identity", "User-Agent": "kiosk-cloud-client"}
        )
        # A cancel, the idle wipe or shutdown must not wait behind a hung call (fido2's
        # `event`): interrupt() cuts the attempt in flight and fails calls fast until resume().
        self._interrupted = threading.Event()
        self._attempts: set[Deadline] = set()
        self._attempts_lock = threading.Lock()

    def interrupt(self) -> None:
        """From any thread: cut the call in flight and refuse new ones (Interrupted) until resume()."""
        self._interrupted.set()
        with self._attempts_lock:
            for deadline in self._attempts:
                deadline.cut()

    def resume(self) -> None:
        self._interrupted.clear()

    @classmethod
    def from_config(cls, cfg: Config, **kwargs: Any) -> CloudClient:
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
        data = self._call("POST", "/v1/auth/challenge", schema.challenge, body={})
        return Challenge(data["challenge_id"], base64.b64decode(data["nonce"]), data["expires_at"])

    def authenticate_holder(self, challenge_id: str, certificate_der: bytes, signature: bytes) -> HolderSession:
        data = self._call(
            "POST",
            "/v1/auth/holder",
            schema.holder_auth,
            body={
                "challenge_id": challenge_id,
                "certificate": base64.b64encode(certificate_der).decode("ascii"),
                "signature": base64.b64encode(signature).decode("ascii"),
            },
        )
        return HolderSession(data["holder_token"], data["mykey_id"], data["expires_at"], data.get("balance"))

    def create_mykey(self, challenge_id: str, certificate_der: bytes, signature: bytes, key: str) -> HolderSession:
        """Set up a MyKey ID with the proof of the holder authentication just answered
        no_mykey_id (the same challenge, certificate and signature: no second PIN), with the
        holder's consent; logs the holder in. Idempotent under `key`."""
        data = self._call(
            "POST",
            "/v1/holder/mykey",
            schema.mykey_created,
            body={
                "challenge_id": challenge_id,
                "certificate": base64.b64encode(certificate_der).decode("ascii"),
                "signature": base64.b64encode(signature).decode("ascii"),
                "consent": True,
            },
            key=key,
        )
        return HolderSession(data["holder_token"], data["mykey_id"], data["expires_at"])

    # -- balance and exchanges -------------------------------------------------------
    def balance(self, holder: HolderSession | str) -> dict[str, Any]:
        return self._call("GET", "/v1/holder/balance", lambda d: schema.balance(d, _mykey(holder)), holder=holder)

    def assign_reserved(self, holder: HolderSession | str, event_id: str, points: int, key: str) -> dict[str, Any]:
        return self._call(
            "POST",
            "/v1/holder/reserved/assign",
            lambda d: schema.assigned(d, event_id, points),
            body={"event_id": event_id, "points": points},
            holder=holder,
            key=key,
        )

    def hold(self, holder: HolderSession | str, exchange_id: str, event_id: str, points: int) -> dict[str, Any]:
        def check(d: Any) -> dict[str, Any]:
            return schema.exchange(
                d, exchange_id, state="held", event_id=event_id, points=points, mykey_id=_mykey(holder)
            )

        return self._call(
            "POST",
            "/v1/exchanges",
            check,
            holder=holder,
            key=exchange_id,
            body={"exchange_id": exchange_id, "event_id": event_id, "points": points},
        )

    def commit(
        self, exchange_id: str, *, card_ref: str, load_id: str, loaded: int, fee: int, balance_after: int
    ) -> dict[str, Any]:
        breka = {"card_ref": card_ref, "load_id": load_id, "loaded": loaded, "fee": fee, "balance_after": balance_after}
        return self._call(
            "POST",
            f"/v1/exchanges/{exchange_id}/commit",
            lambda d: schema.state(d, exchange_id, "committed"),
            body={"breka": breka},
            key=exchange_id,
        )

    def cancel(self, exchange_id: str, reason: str) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/v1/exchanges/{exchange_id}/cancel",
            lambda d: schema.state(d, exchange_id, "cancelled"),
            body={"reason": reason},
            key=exchange_id,
        )

    def reverse(
        self,
        exchange_id: str,
        *,
        reversal_id: str,
        card_ref: str,
        unloaded: int,
        balance_after: int,
        reason: str,
        holder: HolderSession | str | None = None,
    ) -> dict[str, Any]:
        """A correction: the card gave `unloaded` points back, so the cloud returns the points
        used to the holder. Idempotent under the reversal id; the holder token (when still
        valid) lets the cloud check the holder itself."""
        return self._call(
            "POST",
            f"/v1/exchanges/{exchange_id}/reverse",
            lambda d: schema.reversed_(d, exchange_id, reversal_id),
            body={
                "reversal_id": reversal_id,
                "reason": reason,
                "breka": {"card_ref": card_ref, "unloaded": unloaded, "balance_after": balance_after},
            },
            key=reversal_id,
            holder=holder,
        )

    def exchange(self, exchange_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/exchanges/{exchange_id}", lambda d: schema.exchange(d, exchange_id))

    def open_holds(self, older_than_s: int = 0) -> list[dict[str, Any]]:
        query = {"state": "held", "older_than_s": older_than_s}
        return self._call("GET", "/v1/exchanges", schema.open_holds, query=query)

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
        return self._call("POST", "/v1/settlements/batches", schema.batch, key=key or str(uuid.uuid4()), body=body)

    def monthly(
        self, from_month: str, to_month: str, event_id: str | None = None, *, terminal_id: str | None = None
    ) -> dict[str, Any]:
        """The cloud's figures per month; `terminal_id` (this terminal's) narrows `used` to it."""
        query = (
            {"from": from_month, "to": to_month}
            | ({"event_id": event_id} if event_id else {})
            | ({"terminal_id": terminal_id} if terminal_id else {})
        )
        return self._call(
            "GET",
            "/v1/reports/monthly",
            lambda d: schema.monthly(d, from_month, to_month, event_id, terminal_id),
            query=query,
            max_body=max(self.max_body, MAX_REPORT_BODY),
        )

    # -- transport -------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        check: Callable[[Any], T],
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        holder: HolderSession | str | None = None,
        key: str | None = None,
        max_body: int | None = None,
    ) -> T:
        """One call: the checked answer, or a CloudError. `check` raises SchemaError."""
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
        what = f"{method} {path}"
        attempts = 1 + (self.retries if key is not None else 0)
        ends = time.monotonic() + self.deadline_s
        for attempt in range(1, attempts + 1):
            if self._interrupted.is_set():
                raise Interrupted(f"{what}: interrupted")
            status, answer, failure = self._attempt(
                method, url, data, headers, what, min(self.timeout_s, ends - time.monotonic()), max_body
            )
            if failure is None:
                try:
                    return check(answer)
                except schema.SchemaError as exc:
                    raise UnexpectedResponse(f"{what}: {exc}", status=status) from None
            if self._interrupted.is_set():
                raise Interrupted(f"{what}: interrupted") from failure
            if attempt == attempts or not isinstance(failure, CloudUnavailable):
                raise failure
            delay = self.backoff_s * (2 ** (attempt - 1))
            delay += random.uniform(0, delay)  # jitter: terminals that failed together retry apart
            if time.monotonic() + delay >= ends:
                raise failure
            log.warning("%s failed (%s); retry %d/%d in %.2fs", what, failure, attempt, attempts - 1, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")

    @contextmanager
    def _tracked(self, deadline: Deadline) -> Iterator[None]:
        with self._attempts_lock:
            self._attempts.add(deadline)
        if self._interrupted.is_set():  # interrupted between the check and the attempt
            deadline.cut()
        try:
            yield
        finally:
            with self._attempts_lock:
                self._attempts.discard(deadline)

    def _attempt(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        what: str,
        budget: float,
        limit: int | None,
    ) -> tuple[int | None, Any, Exception | None]:
        """(status, parsed 2xx answer, None) or (status, None, the failure)."""
        budget = max(budget, 0.001)
        with Deadline(budget) as deadline, self._tracked(deadline):
            try:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    timeout=(min(self.connect_timeout_s, budget), budget),
                    verify=self.verify,
                    allow_redirects=False,  # a redirect is not an answer from the cloud
                    stream=True,  # read by read_body, bounded
                )
                try:
                    raw = read_body(response, limit or self.max_body)
                except BaseException:
                    response.close()  # drops the connection: what is left of the body is not read
                    raise
                response.raw.release_conn()  # read to the end: the connection is reused
            except (BodyTooLarge, BadEncoding) as exc:
                return response.status_code, None, UnexpectedResponse(f"{what}: {exc}", status=response.status_code)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                reason = (
                    f"Timeout: the {budget:.1f} s deadline passed" if deadline.fired else f"{type(exc).__name__}: {exc}"
                )
                return None, None, CloudUnavailable(f"{what}: {reason}")
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = _NOT_JSON
        status = response.status_code
        if 200 <= status < 300:
            if answer is _NOT_JSON:
                return status, None, UnexpectedResponse(f"{what}: answer is not JSON", status=status)
            return status, answer, None
        return status, None, _error(status, answer, what)


@dataclass(frozen=True)
class PreparedBody:
    """A request body encoded ahead of sending: JSON bytes, gzipped (level 1: speed over
    size; JSON shrinks ~3x anyway) when `gzipped`."""

    data: bytes
    gzipped: bool


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_NOT_JSON = object()


def _text(value: str | bytes | None) -> str | None:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _mykey(holder: HolderSession | str) -> str | None:
    return holder.mykey_id if isinstance(holder, HolderSession) else None


def _error(status: int, answer: Any, what: str) -> Exception:
    try:
        err = answer["error"]
        code, message = str(err["code"]), str(err.get("message", ""))
    except (KeyError, TypeError):
        if status >= 500:
            return CloudUnavailable(f"{what}: HTTP {status}", status=status)
        return UnexpectedResponse(f"{what}: HTTP {status} without an error body", status=status)
    try:
        known: Code | None = Code(code)
    except ValueError:
        known = None
    if known is not None and status < 500 and STATUS[known] != status:
        # e.g. `200 {"error": ...}` or a 404 `exchange_not_found` from something that is not the
        # cloud: acting on it (a cancel "never reached the cloud") would be acting on a guess.
        return UnexpectedResponse(f"{what}: HTTP {status} with code {code!r}", status=status)
    return error_for(code, f"{what}: {message}", status)
