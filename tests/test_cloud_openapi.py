"""resources/openapi.json, the FastAPI routes and the served document cannot drift apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from kiosk.sync.cloud_errors import ERRORS, STATUS, Code
from kiosk_demo.cloud.app import OPENAPI_PATH, openapi_text

ROOT = Path(__file__).resolve().parents[1]


def test_committed_document_is_what_the_routes_generate():
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_text(), (
        "resources/openapi.json is stale: run `kiosk cloud-sim --write-openapi resources/openapi.json`"
    )


def test_running_simulator_serves_the_committed_document(cloud_sim):
    served = requests.get(cloud_sim.url + "/openapi.json", timeout=5).json()
    assert served == json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def test_write_openapi_command_writes_the_same_document(tmp_path):
    out = tmp_path / "openapi.json"
    subprocess.run([sys.executable, "-m", "kiosk", "cloud-sim", "--write-openapi", str(out)], cwd=ROOT, check=True)
    assert out.read_text(encoding="utf-8") == OPENAPI_PATH.read_text(encoding="utf-8")


def test_document_covers_the_interface_and_its_error_codes():
    doc = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    for path in (
        "/v1/auth/challenge",
        "/v1/auth/holder",
        "/v1/holder/balance",
        "/v1/holder/mykey",
        "/v1/holder/reserved/assign",
        "/v1/exchanges",
        "/v1/exchanges/{exchange_id}",
        "/v1/exchanges/{exchange_id}/commit",
        "/v1/exchanges/{exchange_id}/cancel",
        "/v1/settlements/batches",
        "/v1/reports/monthly",
        "/sim/holders",
        "/sim/issue",
        "/sim/clock",
        "/sim/faults",
        "/sim/terminals",
    ):
        assert path in doc["paths"], path
    assert set(doc["components"]["schemas"]["Code"]["enum"]) == {c.value for c in Code}
    hold = doc["paths"]["/v1/exchanges"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in hold["parameters"])
    assert {"XSignature", "holderToken"} <= {name for req in hold["security"] for name in req}


def test_every_code_has_a_status_and_an_exception_type():
    assert set(STATUS) == set(Code)
    assert {cls.code for cls in ERRORS.values()} == {c.value for c in Code}
