"""Holder authentication (JPKI) against the simulator over HTTP, through the kiosk's client."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.sync import cloud_errors as ce
from kiosk_demo.jpki_ca import Authority
from tests.cloud_fixtures import client_for, login


@pytest.fixture
def client(sim):
    c = client_for(sim.url, sim.terminal())
    yield c
    c.close()


def test_card_signature_returns_the_enrolled_mykey_id(sim, client):
    holder = sim.holder()
    session = login(client, holder)
    assert session.mykey_id == holder.mykey_id
    assert len(session.token) >= 32
    assert client.balance(session)["mykey_id"] == holder.mykey_id


def test_wrong_signature_is_bad_signature(sim, client):
    holder = sim.holder()
    challenge = client.challenge()
    with pytest.raises(ce.BadSignature):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(b"some other nonce"))


def test_signature_by_another_key_is_bad_signature(sim, client):
    holder, other = sim.holder(), sim.holder()
    challenge = client.challenge()
    with pytest.raises(ce.BadSignature):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, other.sign(challenge.nonce))


def test_certificate_from_an_untrusted_ca_is_untrusted(sim, client):
    rogue = Authority.create("auth", org="JPKI TEST")  # same name, different key: must not pass
    holder = sim.holder()
    rogue_cert = rogue.issue(holder.key.public_key())
    from cryptography.hazmat.primitives import serialization

    challenge = client.challenge()
    with pytest.raises(ce.CertificateUntrusted):
        client.authenticate_holder(
            challenge.challenge_id, rogue_cert.public_bytes(serialization.Encoding.DER), holder.sign(challenge.nonce)
        )


def test_signature_ca_certificate_is_not_an_authentication_anchor(sim, client, cloud_ca):
    from cryptography.hazmat.primitives import serialization

    holder = sim.holder()
    sign_cert = cloud_ca.sign.issue(holder.key.public_key())
    challenge = client.challenge()
    with pytest.raises(ce.CertificateUntrusted):
        client.authenticate_holder(
            challenge.challenge_id, sign_cert.public_bytes(serialization.Encoding.DER), holder.sign(challenge.nonce)
        )


def test_expired_certificate_is_certificate_expired(sim, client):
    now = dt.datetime.now(dt.UTC)
    holder = sim.holder(not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    with pytest.raises(ce.CertificateExpired):
        login(client, holder)


def test_revoked_certificate_is_certificate_revoked(sim, client):
    import base64

    holder = sim.holder()
    sim.post("/sim/revocations", {"certificate": base64.b64encode(holder.cert_der).decode()})
    with pytest.raises(ce.CertificateRevoked):
        login(client, holder)


def test_card_without_mykey_id_is_no_mykey_id(sim, client):
    with pytest.raises(ce.NoMykeyId):
        login(client, sim.holder(enrol=False))


def test_expired_challenge_is_challenge_expired(sim, client):
    holder = sim.holder()
    challenge = client.challenge()
    sim.clock(advance_s=5 * 60 + 1, frozen=False)  # challenges live 5 minutes of the cloud's clock
    with pytest.raises(ce.ChallengeExpired):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(challenge.nonce))


def test_a_challenge_is_spent_by_its_first_attempt(sim, client):
    holder = sim.holder()
    challenge = client.challenge()
    with pytest.raises(ce.BadSignature):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(b"wrong"))
    with pytest.raises(ce.ChallengeExpired):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(challenge.nonce))


def test_unknown_challenge_and_other_terminals_challenge(sim, client):
    holder = sim.holder()
    other = client_for(sim.url, sim.terminal())
    challenge = other.challenge()
    with pytest.raises(ce.ChallengeUnknown):
        client.authenticate_holder(challenge.challenge_id, holder.cert_der, holder.sign(challenge.nonce))


def test_holder_token_expires_and_is_bound_to_its_terminal(sim, client):
    holder = sim.holder()
    session = login(client, holder)
    other = client_for(sim.url, sim.terminal())
    with pytest.raises(ce.HolderTokenInvalid):
        other.balance(session)
    sim.clock(advance_s=10 * 60 + 1, frozen=False)
    with pytest.raises(ce.HolderTokenExpired):
        client.balance(session)
    with pytest.raises(ce.HolderTokenInvalid):
        client.balance("not-a-token")
