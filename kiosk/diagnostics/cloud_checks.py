"""The point cloud: reachable, the terminal's credentials accepted, the clock in step.

One authenticated call (POST /v1/auth/challenge, harmless: it only issues a nonce) with
the configured timeout and no retries, so a dead cloud costs at most the timeout. The
server's Date header of whatever answer came back gives the clock skew.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from kiosk.diagnostics.base import CheckResult, Environment, not_checked

MAX_SKEW_S = 120  # the cloud refuses requests signed more than 5 minutes off (terminal_auth.MAX_SKEW)
AUTH_CODES = {"unauthenticated", "unknown_terminal", "bad_terminal_signature", "stale_request", "replayed_request"}
NET_HINT = (
    "ネットワーク・プロキシ・cloud.url を確認（kiosk config show） / check the network, the proxy and "
    "cloud.url (kiosk config show)"
)
CRED_HINT = (
    "端末IDと端末シークレットを市の登録と一致させる: kiosk secrets set terminal-secret / make the terminal "
    "id and secret match the city's registration: kiosk secrets set terminal-secret"
)
CLOCK_HINT = (
    "時刻同期を有効に: sudo timedatectl set-ntp true（Windows: w32tm /resync） / enable time "
    "synchronisation: sudo timedatectl set-ntp true (Windows: w32tm /resync)"
)
NAMES = ("cloud_reachable", "cloud_credentials", "clock_skew")
TIMEOUT_HINT = NET_HINT


def budget_s(env: Environment) -> float:
    """Connect and read may each take the configured timeout (no retries); DNS a little more."""
    return 2 * env.cfg.get("cloud", "timeout_s") + 5.0


def run(env: Environment) -> list[CheckResult]:
    from kiosk.secrets import Secret, SecretError, get_secret
    from kiosk.sync.cloud import CloudClient
    from kiosk.sync.cloud_errors import CloudError, CloudUnavailable, UnexpectedResponse

    cfg = env.cfg
    url, terminal_id = cfg.get("cloud", "url"), cfg.get("cloud", "terminal_id")
    try:
        secret = get_secret(Secret.TERMINAL_SECRET)
    except SecretError:
        secret = None
    # Without the secret the call is still made (signed with a dummy): reachability and the
    # clock can be checked even before the terminal is provisioned.
    client = CloudClient(
        url,
        terminal_id,
        secret or b"\0" * 32,
        timeout_s=cfg.get("cloud", "timeout_s"),
        ca_bundle=cfg.get("cloud", "ca_bundle") or None,
        proxy=cfg.get("cloud", "proxy") or None,
        retries=0,
    )
    seen: dict[str, object] = {}

    def remember(response, *args, **kwargs):
        seen["date"], seen["at"] = response.headers.get("Date"), time.time() - response.elapsed.total_seconds() / 2

    client.session.hooks["response"].append(remember)
    error: Exception | None = None
    started = time.monotonic()
    try:
        client.challenge()
    except CloudError as exc:
        error = exc
    finally:
        client.close()
    took = time.monotonic() - started
    if isinstance(error, CloudUnavailable) and "date" not in seen:
        first = CheckResult(
            "cloud_reachable",
            False,
            f"{url} に届きません / cannot reach {url} ({took:.1f} s): {_short(error)}",
            NET_HINT,
        )
        return [
            first,
            not_checked("cloud_credentials", "cloud unreachable", CRED_HINT),
            not_checked("clock_skew", "cloud unreachable", CLOCK_HINT),
        ]
    if isinstance(error, (CloudUnavailable, UnexpectedResponse)):
        first = CheckResult(
            "cloud_reachable",
            False,
            f"{url} の応答が異常 / {url} answered but not as the point cloud: {error}",
            NET_HINT,
        )
        results = [first, not_checked("cloud_credentials", "no usable answer", CRED_HINT)]
    else:
        results = [
            CheckResult(
                "cloud_reachable", True, f"{url} 応答 {took * 1000:.0f} ms / {url} answered in {took * 1000:.0f} ms"
            )
        ]
        results.append(_credentials(terminal_id, secret, error))
    results.append(_skew(seen))
    return results


def _short(error: Exception, limit: int = 160) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _credentials(terminal_id: str, secret: bytes | None, error: Exception | None) -> CheckResult:
    if secret is None:
        return CheckResult(
            "cloud_credentials",
            False,
            "端末シークレットがキーリングにありません / the terminal secret is not in the keyring",
            CRED_HINT,
        )
    if error is None:
        return CheckResult("cloud_credentials", True, f"端末 {terminal_id} 認証OK / terminal {terminal_id} accepted")
    code = getattr(error, "code", "")
    hint = CLOCK_HINT if code == "stale_request" else CRED_HINT
    what = "拒否されました" if code in AUTH_CODES else "予期しない応答"
    return CheckResult(
        "cloud_credentials",
        False,
        f"端末 {terminal_id} が{what} / terminal {terminal_id} refused: {code} ({error})",
        hint,
    )


def _skew(seen: dict) -> CheckResult:
    try:
        server = parsedate_to_datetime(str(seen["date"]))
    except (KeyError, TypeError, ValueError):
        return CheckResult("clock_skew", False, "サーバー時刻（Date）なし / the answer had no Date header", CLOCK_HINT)
    if server.tzinfo is None:  # "GMT" / "-0000" parse as naive: they are UTC
        server = server.replace(tzinfo=UTC)
    local = datetime.fromtimestamp(float(seen["at"]), UTC)
    skew = (server - local).total_seconds() + 0.5  # Date has whole seconds: the true time is up to 1 s later
    text = f"{skew:+.0f} 秒 / {skew:+.0f} s (server minus local)"
    if abs(skew) > MAX_SKEW_S:
        return CheckResult(
            "clock_skew",
            False,
            f"時刻のずれ {text}; 許容 ±{MAX_SKEW_S} s / clock off by {text}, allowed ±{MAX_SKEW_S} s",
            CLOCK_HINT,
        )
    return CheckResult("clock_skew", True, f"時刻のずれ {text}")
