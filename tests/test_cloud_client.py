"""The kiosk's client: configuration from the keyring, TLS verification, error mapping."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk import config
from kiosk.secrets import MissingSecret, Secret, set_secret
from kiosk.sync import cloud_errors as ce
from kiosk.sync.cloud import CloudClient
from tests.cloud_fixtures import Sim, SimProcess, login


def _config(url: str, terminal_id: str, ca_bundle: str = "") -> config.Config:
    return config.Config(
        None,
        config.validate({"cloud": {"url": url, "terminal_id": terminal_id, "timeout_s": 3, "ca_bundle": ca_bundle}}),
    )


def test_client_from_config_takes_the_secret_from_the_keyring(sim, test_keyring):
    term = sim.terminal()
    cfg = _config(sim.url, term.terminal_id)
    with pytest.raises(MissingSecret):
        CloudClient.from_config(cfg)
    set_secret(Secret.TERMINAL_SECRET, term.secret)
    client = CloudClient.from_config(cfg)
    assert client.timeout_s == 3 and client.session.verify is True
    assert client.challenge().challenge_id
    assert any(v for (service, _), v in test_keyring.store.items() if service == "kiosk")


def _self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloud-sim test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls.crt.pem", directory / "tls.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_tls_is_verified_against_the_configured_bundle(cloud_ca, tmp_path, test_keyring):
    cert, key = _self_signed(tmp_path)
    proc = SimProcess(
        tmp_path / "tls.sqlite3", [cloud_ca.directory], ["--tls-cert", str(cert), "--tls-key", str(key)], scheme="https"
    )
    proc.verify = str(cert)
    try:
        proc.wait_ready()
        sim = Sim(proc.url, cloud_ca, verify=str(cert))
        term = sim.terminal()
        set_secret(Secret.TERMINAL_SECRET, term.secret)
        trusting = CloudClient.from_config(_config(proc.url, term.terminal_id, ca_bundle=str(cert)))
        assert login(trusting, sim.holder()).mykey_id
        default = CloudClient.from_config(_config(proc.url, term.terminal_id))
        with pytest.raises(ce.CloudUnavailable, match="SSL"):
            default.challenge()
        for session in (sim.http, trusting, default):
            session.close()  # idle TLS keep-alives would hold up the server's shutdown
    finally:
        proc.stop()


def test_unknown_error_code_is_unexpected_response():
    err = ce.error_for("brand_new_code", "x", 418)
    assert isinstance(err, ce.UnexpectedResponse) and err.code == "brand_new_code"
    assert isinstance(ce.error_for("insufficient_points", "x", 409), ce.InsufficientPoints)
    assert issubclass(ce.InternalError, ce.CloudUnavailable)


def test_the_demo_cloud_is_https_and_trusted_through_the_configured_bundle(tmp_path, cloud_ca, test_keyring):
    from kiosk_demo.demo_env import DemoEnv

    env = DemoEnv(tmp_path / "demo", ca_dir=cloud_ca.directory)
    proc = env.start_cloud()
    try:
        assert proc.url.startswith("https://127.0.0.1:")
        env.provision(proc.url)
        cfg = config.load(env.config_path)
        assert cfg.get("cloud", "url") == proc.url and cfg.get("cloud", "ca_bundle") == str(env.tls_cert)
        client = CloudClient.from_config(cfg)
        assert client.challenge().challenge_id
        client.close()
        untrusting = CloudClient(proc.url, "demo-terminal-01", b"s" * 32, retries=0)
        with pytest.raises(ce.CloudUnavailable, match="SSL"):
            untrusting.challenge()
        untrusting.close()
    finally:
        proc.stop()
