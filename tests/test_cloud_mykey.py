"""Setting up a MyKey ID at the counter (POST /v1/holder/mykey) against the simulator over
HTTP, through the kiosk's client: only with the proof of a holder authentication that was
answered no_mykey_id (no second signature, so no second PIN), checked again in full."""

from __future__ import annotations

import uuid

import pytest

from kiosk.sync import cloud_errors as ce
from tests.cloud_fixtures import client_for


@pytest.fixture
def client(sim):
    c = client_for(sim.url, sim.terminal())
    yield c
    c.close()


def _refused_login(client, holder):
    """A holder authentication answered no_mykey_id: the proof the creation reuses."""
    challenge = client.challenge()
    signature = holder.sign(challenge.nonce)
    with pytest.raises(ce.NoMykeyId):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, signature)
    return challenge.challenge_id, signature


def test_the_refused_login_sets_up_a_mykey_id_and_logs_in(sim, client):
    holder = sim.holder(enrol=False)
    challenge_id, signature = _refused_login(client, holder)
    session = client.create_mykey(challenge_id, holder.cert_der, signature, str(uuid.uuid4()))
    assert session.mykey_id.startswith("mk-") and len(session.token) >= 32
    assert client.balance(session)["mykey_id"] == session.mykey_id
    again = client.challenge()  # the next visit logs in as usual, to the same MyKey ID
    login = client.authenticate_holder(again.challenge_id, holder.cert_der, holder.sign(again.nonce))
    assert login.mykey_id == session.mykey_id


def test_a_retry_with_the_same_key_gets_the_same_answer(sim, client):
    holder = sim.holder(enrol=False)
    challenge_id, signature = _refused_login(client, holder)
    key = str(uuid.uuid4())
    first = client.create_mykey(challenge_id, holder.cert_der, signature, key)
    second = client.create_mykey(challenge_id, holder.cert_der, signature, key)  # the reply was lost
    assert second.mykey_id == first.mykey_id and second.token == first.token
    with pytest.raises(ce.ChallengeExpired):  # a new key cannot spend the proof twice
        client.create_mykey(challenge_id, holder.cert_der, signature, str(uuid.uuid4()))


def test_a_fresh_challenge_never_signed_in_is_not_a_proof(sim, client):
    holder = sim.holder(enrol=False)
    challenge = client.challenge()
    with pytest.raises(ce.MykeyNotProven):
        client.create_mykey(challenge.challenge_id, holder.cert_der, holder.sign(challenge.nonce), str(uuid.uuid4()))


def test_another_card_cannot_use_the_proof(sim, client):
    holder, other = sim.holder(enrol=False), sim.holder(enrol=False)
    challenge_id, _ = _refused_login(client, holder)
    nonce_signed_by_other = other.sign(b"whatever")  # it never saw the nonce either
    with pytest.raises((ce.MykeyNotProven, ce.BadSignature)):
        client.create_mykey(challenge_id, other.cert_der, nonce_signed_by_other, str(uuid.uuid4()))


def test_a_wrong_signature_is_refused(sim, client):
    holder = sim.holder(enrol=False)
    challenge_id, _ = _refused_login(client, holder)
    with pytest.raises(ce.BadSignature):
        client.create_mykey(challenge_id, holder.cert_der, holder.sign(b"not the nonce"), str(uuid.uuid4()))


def test_a_certificate_revoked_meanwhile_is_refused(sim, client, cloud_ca):
    holder = sim.holder(enrol=False)
    challenge_id, signature = _refused_login(client, holder)
    sim.post("/sim/revocations", {"certificate": _b64(holder.cert_der)}, expect=201)
    with pytest.raises(ce.CertificateRevoked):
        client.create_mykey(challenge_id, holder.cert_der, signature, str(uuid.uuid4()))


def test_the_proof_expires_with_its_challenge(sim, client):
    holder = sim.holder(enrol=False)
    sim.clock(now="2030-01-01T10:00:00+09:00")
    try:
        challenge_id, signature = _refused_login(client, holder)
        sim.clock(advance_s=301)
        with pytest.raises(ce.ChallengeExpired):
            client.create_mykey(challenge_id, holder.cert_der, signature, str(uuid.uuid4()))
    finally:
        sim.real_clock()


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")
