"""The kiosk's configuration: one TOML file, validated, with defaults that run the demo.

Where: `--config PATH`, else $KIOSK_CONFIG, else `config.toml` in the platform's config
directory (platformdirs). A missing file means "all defaults". Every validation error
names the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

APP = "kiosk"
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Key:
    section: str
    name: str
    default: Any
    check: Callable[[Any], bool]
    allowed: str


def _int_range(lo: int, hi: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _one_of(*values: str) -> Callable[[Any], bool]:
    return lambda v: v in values


def _url(v: Any) -> bool:
    return isinstance(v, str) and v.startswith(("http://", "https://")) and len(v) > 8


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _moment_or_empty(v: Any) -> bool:
    """Empty, or an RFC 3339 date-time with its offset (a bare local time is ambiguous)."""
    if v == "":
        return True
    return isinstance(v, str) and aware_moment(v) is not None


def aware_moment(v: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _cloud_url(v: Any) -> bool:
    """https://, or http:// to this machine only: off it, anyone on the path could answer."""
    if not isinstance(v, str):
        return False
    try:
        parts = urlsplit(v)
        host, _ = parts.hostname, parts.port  # .port raises on a malformed port
    except ValueError:
        return False
    if not host or parts.username is not None:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)


def _https_url(v: Any) -> bool:
    """A public page for citizens: https:// only, with a host (it is shown as a QR code)."""
    if not isinstance(v, str) or len(v) > 200:
        return False
    try:
        parts = urlsplit(v)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and parts.username is None and v.isprintable()


def _text(max_len: int, pattern: str | None = None) -> Callable[[Any], bool]:
    """One line of printable text (a claim's name, address, bank), at most `max_len` characters."""
    compiled = re.compile(pattern) if pattern else None
    return lambda v: (
        isinstance(v, str)
        and len(v) <= max_len
        and v.isprintable()
        and (compiled is None or v == "" or compiled.fullmatch(v) is not None)
    )


def _claim_printer(v: Any) -> bool:
    return isinstance(v, str) and (v in ("", "lp") or re.fullmatch(r"lp:[A-Za-z0-9._-]{1,64}", v) is not None)


def _pem_file(v: Any) -> bool:
    return isinstance(v, str) and (v == "" or os.access(v, os.R_OK) and Path(v).is_file())


SCHEMA: list[Key] = [
    Key("reader", "name", "", _is_str, "a reader name or part of one; empty = the first reader"),
    Key(
        "cloud",
        "url",
        "http://127.0.0.1:8765",
        _cloud_url,
        "an https:// URL (http:// only to 127.0.0.1, ::1 or localhost)",
    ),
    Key(
        "cloud",
        "terminal_id",
        "demo-terminal-01",
        lambda v: isinstance(v, str) and 0 < len(v) <= 64,
        "a text of 1 to 64 characters",
    ),
    Key("cloud", "timeout_s", 5, _int_range(1, 120), "whole seconds from 1 to 120"),
    Key(
        "cloud",
        "ca_bundle",
        "",
        _pem_file,
        "a readable PEM file of the CAs to trust for cloud.url, or empty for the system's",
    ),
    Key("cloud", "proxy", "", lambda v: v == "" or _url(v), "an http:// or https:// proxy URL, or empty for none"),
    Key("rules", "event_id", "kawasaki-h29-h30", lambda v: isinstance(v, str) and v != "", "a non-empty text"),
    Key(
        "rules",
        "event_issue_until",
        "",
        _moment_or_empty,
        "when the event stops issuing points (RFC 3339 with offset), or empty: the cloud decides",
    ),
    Key("rules", "validity_days", 100, _int_range(1, 3650), "whole days from 1 to 3650"),
    Key(
        "rules",
        "validity_counting",
        "exclude_issue_day",
        _one_of("exclude_issue_day", "include_issue_day"),
        '"exclude_issue_day" (D+days) or "include_issue_day" (D+days-1)',
    ),
    Key("rules", "clerk_threshold", 50_000, _int_range(1, 10_000_000), "whole points from 1 to 10,000,000"),
    Key("rules", "card_upper_limit", 1_000_000, _int_range(1, 2_147_483_647), "whole points up to 2^31-1"),
    Key("store", "path", "", _is_str, "a path to the SQLite file, or empty for the data directory"),
    Key("ui", "language", "ja", _one_of("ja", "en"), '"ja" or "en"'),
    Key("ui", "fullscreen", False, _is_bool, "true or false"),
    Key("ui", "idle_timeout_s", 60, _int_range(10, 3600), "whole seconds from 10 to 3600"),
    Key(
        "ui",
        "printer",
        "",
        lambda v: v == "" or (isinstance(v, str) and v.startswith(("net:", "usb:", "file:"))),
        'empty (receipts on screen), "net:HOST[:PORT]", "usb:VID:PID" (hex) or "file:/dev/usb/lp0"',
    ),
    # The claim to the city (請求書): who claims, from whom, paid where. Empty = not set up yet;
    # `kiosk report claim` then names the missing keys (kiosk/sync/claim.py).
    Key(
        "mykey",
        "guide_url",
        "https://mykey.soumu.go.jp/",
        _https_url,
        "an https:// URL of the MyKey Platform's public page (shown as a QR code), up to 200 characters",
    ),
    Key("claim", "association", "", _text(80), "the claimant's name (商店街振興組合), up to 80 characters"),
    Key("claim", "representative", "", _text(60), "the representative's title and name, up to 60 characters"),
    Key("claim", "address", "", _text(120), "the claimant's postal address, up to 120 characters"),
    Key("claim", "addressee", "", _text(80), "whom the claim is addressed to (e.g. 川崎市長), up to 80 characters"),
    Key("claim", "bank_name", "", _text(40), "the bank's name, up to 40 characters"),
    Key("claim", "bank_branch", "", _text(40), "the branch's name, up to 40 characters"),
    Key("claim", "account_type", "普通", _one_of("普通", "当座"), '"普通" (ordinary) or "当座" (current)'),
    Key("claim", "account_number", "", _text(7, r"\d{7}"), "the account number: 7 digits, or empty"),
    Key("claim", "account_holder", "", _text(60), "the account holder's name (カナ), up to 60 characters"),
    Key(
        "claim",
        "number_prefix",
        "CL-",
        _text(12, r"[A-Za-z0-9][A-Za-z0-9-]*"),
        "up to 12 letters, digits or hyphens, not starting with a hyphen (claim numbers are PREFIX + YYYY-NNNN)",
    ),
    Key("claim", "folder", "", _is_str, "a folder for claims (PDF/CSV), or empty for Documents/kiosk-claims"),
    Key("claim", "printer", "", _claim_printer, 'empty (no A4 printer), "lp" (default CUPS queue) or "lp:QUEUE"'),
    Key("log", "level", "INFO", _one_of("DEBUG", "INFO", "WARNING", "ERROR"), "DEBUG, INFO, WARNING or ERROR"),
    Key("log", "traffic", False, _is_bool, "true or false (APDU trace, PIN data always redacted)"),
]


@dataclass(frozen=True)
class Config:
    path: Path | None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, name: str) -> Any:
        return self.values[section][name]

    def section(self, section: str) -> dict[str, Any]:
        return dict(self.values[section])

    @property
    def store_path(self) -> Path:
        configured = self.get("store", "path")
        return Path(configured) if configured else data_dir() / "kiosk.sqlite3"

    @property
    def claim_folder(self) -> Path:
        """Where claims are written: a folder the clerk can find (not the hidden data dir)."""
        configured = self.get("claim", "folder")
        return Path(configured).expanduser() if configured else documents_dir() / "kiosk-claims"


def default_path() -> Path:
    env = os.environ.get("KIOSK_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP)) / "config.toml"


def documents_dir() -> Path:
    return Path(platformdirs.user_documents_dir())


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def defaults() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key in SCHEMA:
        out.setdefault(key.section, {})[key.name] = key.default
    return out


def load(path: Path | str | None = None) -> Config:
    """Read and validate the configuration. Raises ConfigError with a readable message."""
    explicit = path is not None
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: no such configuration file")
        return Config(None, defaults())
    try:
        with path.open("rb") as f:  # bounded: a device such as /dev/zero never ends
            data = f.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; not a kiosk configuration")
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or move it away to use the defaults") from exc
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply; not a kiosk configuration") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    return Config(path, validate(raw, str(path)))


def validate(raw: dict[str, Any], where: str = "config") -> dict[str, dict[str, Any]]:
    values = defaults()
    known = {(k.section, k.name): k for k in SCHEMA}
    for section, table in raw.items():
        if section not in values:
            raise ConfigError(f"{where}: unknown section [{section}]; known: {', '.join(sorted(values))}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        for name, value in table.items():
            key = known.get((section, name))
            if key is None:
                names = ", ".join(sorted(values[section]))
                raise ConfigError(f"{where}: unknown key {section}.{name}; [{section}] has: {names}")
            if not key.check(value):
                raise ConfigError(f"{where}: {section}.{name} = {value!r} is not allowed; expected {key.allowed}")
            values[section][name] = value
    return values


def render_toml(values: dict[str, dict[str, Any]]) -> str:
    """The configuration as TOML text (for `kiosk config show` and the installer)."""
    lines: list[str] = []
    for section, table in values.items():
        lines.append(f"[{section}]")
        for name, value in table.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, int):
                text = str(value)
            else:
                text = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines.append(f"{name} = {text}")
        lines.append("")
    return "\n".join(lines)
