import logging

from kiosk.cardio.apdu import CommandApdu, redacted_hex
from kiosk.log import TRAFFIC, RedactingFilter, redact


def test_verify_data_is_blanked_in_apdu_hex():
    apdu = CommandApdu(0x00, 0x20, 0x00, 0x80, b"1234").to_bytes()
    text = redacted_hex(apdu)
    assert text == "00 20 00 80 04 ** ** ** **"
    assert "31 32 33 34" not in text


def test_empty_verify_and_other_commands_are_shown_whole():
    assert redacted_hex(bytes.fromhex("00200080")) == "00 20 00 80"
    assert redacted_hex(bytes.fromhex("00A4020C020018")) == "00 A4 02 0C 02 00 18"


def test_filter_blanks_twelve_digit_numbers_and_pin_values():
    assert "123456789012" not in redact("number 123456789012 seen")
    assert redact("order 1234567890123 stays") == "order 1234567890123 stays"  # 13 digits: not a My Number
    assert redact("pin=1234 entered") == "pin=[redacted] entered"


def test_filter_applies_to_formatted_records(caplog):
    logger = logging.getLogger("kiosk.test.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="kiosk.test.redaction"):
        logger.info("holder typed %s", "PIN: 4321")
    assert "4321" not in caplog.text


def test_traffic_level_is_below_debug():
    assert TRAFFIC < logging.DEBUG
    assert logging.getLevelName(TRAFFIC) == "TRAFFIC"
