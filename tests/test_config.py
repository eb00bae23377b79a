import pytest

from kiosk import config


def test_missing_default_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "absent.toml"))
    cfg = config.load()
    assert cfg.path is None
    assert cfg.get("rules", "validity_days") == 100
    assert cfg.get("cloud", "url").startswith("http://127.0.0.1")


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(config.ConfigError, match="no such configuration file"):
        config.load(tmp_path / "nope.toml")


def test_values_override_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[rules]\nvalidity_days = 99\nvalidity_counting = "include_issue_day"\n[ui]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    cfg = config.load(path)
    assert cfg.get("rules", "validity_days") == 99
    assert cfg.get("rules", "validity_counting") == "include_issue_day"
    assert cfg.get("ui", "language") == "en"
    assert cfg.get("rules", "clerk_threshold") == 50_000


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "[rules]\nvalidity_days = -1\n",
            "rules.validity_days = -1 is not allowed; expected whole days from 1 to 3650",
        ),
        ('[rules]\nvalidity_days = "100"\n', "rules.validity_days = '100' is not allowed"),
        ("[rules]\nclerk_threshold = 1.5\n", "rules.clerk_threshold = 1.5 is not allowed"),
        ('[ui]\nlanguage = "fr"\n', 'ui.language = \'fr\' is not allowed; expected "ja" or "en"'),
        ('[cloud]\nurl = "ftp://x"\n', "cloud.url = 'ftp://x' is not allowed"),
        ("[rulez]\nx = 1\n", "unknown section [rulez]"),
        ("[rules]\nvalidity = 1\n", "unknown key rules.validity"),
        ("[rules\n", "not valid TOML"),
        ("rules = 3\n", "[rules] must be a table"),
    ],
)
def test_validation_errors_name_key_value_and_what_is_allowed(tmp_path, text, expected):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(config.ConfigError) as info:
        config.load(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_binary_garbage_is_a_clear_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.load(path)


def test_render_round_trips(tmp_path):
    values = config.defaults()
    values["reader"]["name"] = 'ACS "ACR1252"'
    path = tmp_path / "c.toml"
    path.write_text(config.render_toml(values), encoding="utf-8")
    assert config.load(path).values == values


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://points.example.jp", True),
        ("https://10.0.0.5:8443/api", True),
        ("http://127.0.0.1:8765", True),
        ("http://localhost:8765", True),
        ("http://[::1]:8765", True),
        ("http://points.example.jp", False),  # plain HTTP off the machine: anyone on the path can answer
        ("http://10.0.0.5:8765", False),
        ("http://127.0.0.1.example.jp", False),
        ("http://localhost@evil.example:80", False),
        ("https://", False),
        ("ftp://x", False),
    ],
)
def test_cloud_url_is_https_except_on_loopback(tmp_path, url, ok):
    path = tmp_path / "c.toml"
    path.write_text(f'[cloud]\nurl = "{url}"\n', encoding="utf-8")
    if ok:
        assert config.load(path).get("cloud", "url") == url
    else:
        with pytest.raises(config.ConfigError, match="https://"):
            config.load(path)


def test_ca_bundle_must_be_a_readable_file(tmp_path):
    path = tmp_path / "c.toml"
    bundle = tmp_path / "ca.pem"
    path.write_text(f'[cloud]\nca_bundle = "{bundle}"\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match="cloud.ca_bundle"):
        config.load(path)
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert config.load(path).get("cloud", "ca_bundle") == str(bundle)


def test_config_check_refuses_plain_http_to_another_host(tmp_path, capsys):
    from kiosk.cli import main

    path = tmp_path / "c.toml"
    path.write_text('[cloud]\nurl = "http://points.example.jp"\n', encoding="utf-8")
    assert main(["--config", str(path), "config", "check"]) == 2
    assert "cloud.url" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://mykey.soumu.go.jp/", True),
        ("https://example.jp/guide?lang=ja", True),
        ("http://mykey.soumu.go.jp/", False),  # a citizen's phone follows it: https only
        ("https://", False),
        ("https://user@example.jp/", False),
        ("javascript:alert(1)", False),
    ],
)
def test_mykey_guide_url_is_https_only(tmp_path, url, ok):
    path = tmp_path / "c.toml"
    path.write_text(f'[mykey]\nguide_url = "{url}"\n', encoding="utf-8")
    if ok:
        assert config.load(path).get("mykey", "guide_url") == url
    else:
        with pytest.raises(config.ConfigError, match="mykey.guide_url"):
            config.load(path)
