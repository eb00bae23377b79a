import pytest

from kiosk.cardio.apdu import CommandApdu, ResponseApdu
from kiosk.cardio.connection import Connection
from kiosk.cardio.errors import FileNotFound, PinBlocked, PinIncorrect, error_for_sw


@pytest.mark.parametrize(
    "apdu",
    [
        CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes(10)),
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256),
        CommandApdu(0x80, 0x2A, 0x00, 0x80, bytes(51), le=256),
        CommandApdu(0x00, 0x20, 0x00, 0x80),
    ],
)
def test_parse_round_trips(apdu):
    assert CommandApdu.parse(apdu.to_bytes()) == apdu


def test_status_words_become_exceptions():
    assert isinstance(error_for_sw(0x63C2), PinIncorrect) and error_for_sw(0x63C2).tries_left == 2
    assert isinstance(error_for_sw(0x63C0), PinBlocked)
    assert isinstance(error_for_sw(0x6984), PinBlocked)
    assert isinstance(error_for_sw(0x6A82), FileNotFound)


class Scripted(Connection):
    """Unit-test transport: answers from a script, records what was sent."""

    def __init__(self, answers):
        self.answers, self.sent = list(answers), []

    def transmit_raw(self, apdu):
        self.sent.append(apdu)
        return self.answers.pop(0)


def test_61xx_is_followed_by_get_response_and_data_joined():
    conn = Scripted([b"AB\x61\x02", b"CD\x90\x00"])
    resp = conn.transmit(CommandApdu(0x00, 0xB0, 0, 0, le=4))
    assert resp == ResponseApdu(b"ABCD", 0x90, 0x00)
    assert conn.sent[1] == bytes.fromhex("00C0000002")


def test_6cxx_resends_with_the_le_the_card_named():
    conn = Scripted([b"\x6c\x04", b"WXYZ\x90\x00"])
    resp = conn.transmit(CommandApdu(0x00, 0xB0, 0, 0, le=0x20))
    assert resp.data == b"WXYZ"
    assert conn.sent[1] == bytes.fromhex("00B0000004")
