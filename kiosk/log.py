"""Logging set-up: a TRAFFIC level below DEBUG for APDUs (off by default) and redaction.

PIN data never reaches a log: APDU traces blank VERIFY data at the source
(`kiosk.cardio.apdu.redacted_hex`), and this filter is a second net that blanks anything
shaped like a 12-digit individual number or a `pin=` value in any record.
"""

from __future__ import annotations

import logging
import re

TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")

_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_PIN_VALUE = re.compile(r"(?i)\b(pin|password|passwd|secret)(\s*[=:]\s*)\S+")


def redact(text: str) -> str:
    text = _TWELVE_DIGITS.sub("[redacted-12-digits]", text)
    return _PIN_VALUE.sub(r"\1\2[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str | int = "INFO", traffic: bool = False) -> None:
    """Configure the root logger once for the CLI, the demo and the kiosk."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.handlers[:] = [handler]
    root.setLevel(TRAFFIC if traffic else level)
    # APDU traffic only when asked for, even at DEBUG.
    logging.getLogger("kiosk.cardio.traffic").setLevel(TRAFFIC if traffic else logging.DEBUG)
