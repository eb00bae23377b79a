"""Independent JPKI software: OpenSC's jpki driver, over pcscd, takes the virtual card for a
My Number Card, reads its user-authentication certificate and signs after the PIN.

OpenSC (Debian package `opensc`) is required: the test fails, it does not skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kiosk.pcsc.context import PcscContext
from kiosk_demo.mynumber_card import MyNumberCard
from kiosk_demo.mynumber_state import CardState
from tests.mynumber_helpers import PIN, inserted, wait_card

pytestmark = pytest.mark.pcsc

PKCS11_MODULES = (
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/opensc-pkcs11.so",
)


@pytest.fixture(scope="module")
def opensc(tmp_path_factory):
    tools = {name: shutil.which(name) for name in ("opensc-tool", "pkcs15-tool", "pkcs11-tool")}
    missing = [name for name, path in tools.items() if path is None]
    assert not missing, f"OpenSC is not installed ({', '.join(missing)} missing): apt-get install -y opensc"
    module = next((m for m in PKCS11_MODULES if os.path.exists(m)), None)
    assert module, f"opensc-pkcs11.so not found in {PKCS11_MODULES}: apt-get install -y opensc-pkcs11"
    # No file cache: every run must read the card itself (all JPKI tokens share one serial).
    conf = tmp_path_factory.mktemp("opensc") / "opensc.conf"
    conf.write_text("app default {\n  framework pkcs15 {\n    use_file_caching = no;\n  }\n}\n")
    env = dict(os.environ, OPENSC_CONF=str(conf))
    return tools, module, env


def _run(env, *args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)
    if check:
        assert proc.returncode == 0, f"{' '.join(args)} failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
    return proc


def _reader_index(env, reader: str) -> str:
    listing = _run(env, "opensc-tool", "--list-readers").stdout
    for line in listing.splitlines():
        match = re.match(r"\s*(\d+)\s+\S+\s+.*?\s{2,}(.+?)\s*$", line)
        if match and match.group(2) == reader:
            return match.group(1)
    raise AssertionError(f"OpenSC does not list {reader!r}:\n{listing}")


def _pkcs11_slot(env, module: str, reader: str) -> str:
    listing = _run(env, "pkcs11-tool", "--module", module, "--list-slots").stdout
    slot = None
    for line in listing.splitlines():
        match = re.match(r"Slot \d+ \((0x[0-9a-f]+)\): (.+)$", line.strip())
        if match:
            slot = match.group(1) if match.group(2).strip() == reader else None
        elif slot and "token label" in line and "User Authentication PIN" in line:
            return slot
    raise AssertionError(f"no JPKI user-authentication token on {reader!r}:\n{listing}")


def test_opensc_binds_reads_the_certificate_and_signs(vpcd_slot, card_file, opensc, tmp_path):
    _tools, module, env = opensc
    card = MyNumberCard.open(card_file)
    expected_cert = CardState.load(card_file).der("auth_cert")
    with PcscContext() as ctx, inserted(card, vpcd_slot, ctx):
        wait_card(ctx, vpcd_slot.reader)
        index = _reader_index(env, vpcd_slot.reader)
        assert _run(env, "opensc-tool", "--reader", index, "--name").stdout.strip() == "jpki"

        pem = _run(env, "pkcs15-tool", "--reader", index, "--read-certificate", "01").stdout
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        assert cert.public_bytes(serialization.Encoding.DER) == expected_cert

        pins = _run(env, "pkcs15-tool", "--reader", index, "--list-pins").stdout
        assert re.findall(r"Tries left\s*:\s*(\d+)", pins) == ["3", "5"]  # both counters, 63Cx

        slot = _pkcs11_slot(env, module, vpcd_slot.reader)
        message = tmp_path / "message.bin"
        message.write_bytes(b"signed by OpenSC through the virtual card")
        signature = tmp_path / "signature.bin"
        _run(
            env,
            "pkcs11-tool",
            "--module",
            module,
            "--slot",
            slot,
            "--login",
            "--pin",
            PIN,
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--id",
            "01",
            "--input-file",
            str(message),
            "--output-file",
            str(signature),
        )
        cert.public_key().verify(signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256())

        # A wrong PIN through OpenSC spends a try on the card, and OpenSC reads the count back.
        wrong = _run(
            env,
            "pkcs11-tool",
            "--module",
            module,
            "--slot",
            slot,
            "--login",
            "--pin",
            "0000",
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--id",
            "01",
            "--input-file",
            str(message),
            "--output-file",
            str(tmp_path / "x.bin"),
            check=False,
        )
        assert wrong.returncode != 0
        assert card.tries() == 2
        pins = _run(env, "pkcs15-tool", "--reader", index, "--list-pins").stdout
        assert re.findall(r"Tries left\s*:\s*(\d+)", pins) == ["2", "5"]
    assert CardState.load(card_file).auth_tries == 2
    # OpenSC's own probing and the jpki driver never opened another My Number application.
    assert card.foreign_selects == []
