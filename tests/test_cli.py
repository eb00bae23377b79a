import json
import subprocess
import sys

import pytest

from kiosk import __version__
from kiosk.cli import COMMANDS, main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=60)


def test_version():
    out = run_cli("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"kiosk {__version__}"


def test_quote_json_matches_the_issue():
    out = run_cli("quote", "500", "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout) == {"points_used": 500, "fee": 45, "loaded": 455}


def test_quote_human_output_has_the_figures():
    out = run_cli("quote", "370000")
    assert out.returncode == 0
    assert "33,636" in out.stdout and "336,364" in out.stdout


@pytest.mark.parametrize("bad,fragment", [("-3", "1以上"), ("abc", "整数"), ("0", "1以上"), ("12.5", "整数")])
def test_quote_bad_input_is_one_line_and_status_2(bad, fragment):
    out = run_cli("quote", bad)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "/" in lines[0]


def test_every_listed_command_has_help(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert name in capsys.readouterr().out


def test_corrupt_config_gives_status_2_and_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[ui]\nidle_timeout_s = 1\n")
    out = run_cli("--config", str(path), "config", "check")
    assert out.returncode == 2
    assert "ui.idle_timeout_s = 1" in out.stderr and str(path) in out.stderr


def test_config_show_prints_effective_values(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[reader]\nname = "ACR1252"\n')
    out = run_cli("--config", str(path), "config", "show")
    assert out.returncode == 0
    assert 'name = "ACR1252"' in out.stdout and "validity_days = 100" in out.stdout
