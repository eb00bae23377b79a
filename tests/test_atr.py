"""What `kiosk doctor` reads from an ATR: the protocols offered and the contactless form."""

from __future__ import annotations

from kiosk.cardio.atr import describe_interface, is_contactless, protocols


def test_contactless_atrs_built_by_pcsc_readers_are_recognised():
    assert is_contactless(bytes.fromhex("3B888001000005E0B381A1007F"))  # My Number Card, type B
    assert is_contactless(bytes.fromhex("3B8180018080"))  # DESFire, type A
    assert not is_contactless(bytes.fromhex("3BDA13FF8131FB468012392F31C173C601C03B"))  # contact My Number


def test_protocols_offered_by_contact_atrs():
    assert protocols(bytes.fromhex("3BDA13FF8131FB468012392F31C173C601C03B")) == [1]
    assert protocols(bytes.fromhex("3B08000005E0B381A100")) == [0]  # no TD1: T=0
    assert protocols(bytes.fromhex("3B888001000005E0B381A1007F")) == [0, 1]
    assert protocols(b"\x3b") == []


def test_the_interface_is_described_in_both_languages():
    assert describe_interface(bytes.fromhex("3B08000005E0B381A100"), "T=0") == ("T=0, 接触 / contact (ATR offers T=0)")
    assert describe_interface(bytes.fromhex("3B8180018080"), "T=1").startswith("T=1, 非接触 / contactless")
