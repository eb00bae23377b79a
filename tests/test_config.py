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
