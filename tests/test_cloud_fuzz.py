"""Property-based fuzz of the simulator from its own OpenAPI document (schemathesis).

A separate simulator process (its own database) is fuzzed so the shared one keeps a
known state. Every /v1 call is signed by a registered terminal and carries a valid
holder token, so the generator reaches the ledger, not only the authentication wall.
Bounded: a few dozen examples per operation (about a minute in all).
"""

from __future__ import annotations

import random
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kiosk_demo.cloud.app import OPENAPI_PATH
from tests.cloud_fixtures import Sim, SimProcess, client_for, login

schema = schemathesis.openapi.from_path(OPENAPI_PATH).exclude(path_regex=r"^/sim/faults")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzz_target(cloud_ca, tmp_path_factory):
    proc = SimProcess(tmp_path_factory.mktemp("cloud-fuzz") / "fuzz.sqlite3", [cloud_ca.directory])
    proc.wait_ready()
    sim = Sim(proc.url, cloud_ca)
    event = sim.event("kawasaki-h29-h30")
    term = sim.terminal()
    client = client_for(proc.url, term)
    holder = sim.holder()
    sim.issue(holder.mykey_id, event, 100_000)
    sim.post("/sim/reserved", {"mykey_id": holder.mykey_id, "points": 5000})
    token = login(client, holder).token
    pool = [str(uuid.uuid4()) for _ in range(40)]  # held exchanges for commit/cancel to find
    for exchange in pool:
        client.hold(token, exchange, event, 10)
    yield proc, client, token, sim, event, pool
    client.close()
    proc.stop()


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_simulator_conforms_to_its_openapi_document(case, fuzz_target):
    proc, client, token, sim, event, pool = fuzz_target
    _steer(case, random.Random(repr((case.path, case.path_parameters, case.body))), client, event, pool)
    headers = {"Authorization": f"Bearer {token}"} if case.path.startswith("/v1/") else None
    case.call_and_validate(base_url=proc.url, session=client.session, headers=headers, checks=CHECKS, timeout=10)


def _steer(case, rng: random.Random, client, event: str, pool: list[str]) -> None:
    """Most of the time, point generated ids at things that exist, so the fuzz reaches the
    ledger's success paths and state changes, not only "not found" and "invalid"."""
    if not case.path.startswith("/v1/") or rng.random() < 0.25:
        return
    body = case.body if isinstance(case.body, dict) else None
    if body is not None and "event_id" in body:
        body["event_id"] = event
    if body is not None and "terminal_id" in body:
        body["terminal_id"] = client.terminal_id
    if case.path_parameters and "exchange_id" in case.path_parameters:
        case.path_parameters["exchange_id"] = rng.choice(pool)
        breka = body.get("breka") if body else None
        if isinstance(breka, dict) and rng.random() < 0.5:
            breka.update(fee=0, loaded=10)  # the pool's 10-point holds: fee 0, loaded 10
    if case.headers and "Idempotency-Key" in case.headers:
        fresh = str(uuid.uuid4())  # fresh keys reach the ledger, not the idempotency cache
        if body is not None and "exchange_id" in body and case.path == "/v1/exchanges":
            body["exchange_id"] = fresh  # a hold's key is its exchange id
        case.headers["Idempotency-Key"] = fresh


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+09:00", "1969-12-31T00:00:00Z"])
def test_extreme_times_are_refused_not_crashed(fuzz_target, moment):
    """Found by hand after the fuzz missed them: year 9999 / year 1 overflowed datetime (500)."""
    proc, _client, _token, sim, _event, _pool = fuzz_target
    for path, body in (
        ("/sim/clock", {"now": moment}),
        ("/sim/events", {"event_id": "x", "issue_from": moment, "issue_until": moment}),
        ("/sim/issue", {"mykey_id": "m", "event_id": "x", "points": 1, "at": moment}),
    ):
        r = sim.http.post(proc.url + path, json=body, timeout=5)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, r.text)
    sim.post("/sim/clock", {"now": "2199-12-30T00:00:00Z"}, expect=200)
    r = sim.http.post(proc.url + "/sim/clock", json={"advance_s": 10**9}, timeout=5)
    assert r.status_code == 422
    assert sim.http.delete(proc.url + "/sim/clock", timeout=5).ok
