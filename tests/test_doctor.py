"""`kiosk doctor`: the cloud, keyring, database, outbox and font checks, against real
failures (a closed port, a silent server, a wrong secret, a corrupt file)."""

from __future__ import annotations

import email.utils
import json
import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from kiosk.cli import main
from kiosk.config import load
from kiosk.diagnostics import Environment, run_all
from kiosk.exchange.journal import Journal
from kiosk.exchange.steps import Step
from kiosk.secrets import Secret, set_secret
from kiosk.store import Store
from kiosk.sync.outbox import Outbox
from kiosk.ui.staff_auth import StaffAuth
from tests.cloud_fixtures import free_port
from tests.doctor_helpers import CHECK_NAMES, doctor, provision, set_staff_pins, write_config

EXPECTED = CHECK_NAMES


def checks(cfg_path, *modules) -> dict:
    env = Environment(load(cfg_path))
    return {r.name: r for r in run_all(env, tuple(f"kiosk.diagnostics.{m}" for m in modules))}


def test_json_lists_every_check_with_its_four_fields_and_exit_1_on_a_failure(tmp_path, capsys):
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}")
    code, by_name = doctor(cfg, capsys)
    assert code == 1
    assert list(by_name) == EXPECTED
    for check in by_name.values():
        assert set(check) == {"name", "ok", "detail", "hint"} and isinstance(check["ok"], bool)
        if not check["ok"]:
            assert check["hint"], check  # every failure says what to do


def test_text_output_is_one_line_per_check_with_the_hint(tmp_path, capsys):
    cfg = write_config(tmp_path / "config.toml", url=f"http://127.0.0.1:{free_port()}")
    assert main(["--config", str(cfg), "doctor"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(EXPECTED) + 1
    reach = next(line for line in lines if " cloud_reachable:" in line)
    assert reach.startswith("[NG]") and "→" in reach and "cloud.url" in reach
    assert "problems" in lines[-1] and "cloud_reachable" in lines[-1]


def test_a_closed_port_is_reported_unreachable_and_the_rest_not_checked(tmp_path):
    provision()
    by = checks(write_config(tmp_path / "c.toml", url=f"http://127.0.0.1:{free_port()}"), "cloud_checks")
    assert not by["cloud_reachable"].ok and "cannot reach" in by["cloud_reachable"].detail
    assert not by["cloud_credentials"].ok and "not checked" in by["cloud_credentials"].detail
    assert not by["clock_skew"].ok


def test_a_silent_cloud_costs_at_most_the_configured_timeout(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        provision()
        cfg = write_config(tmp_path / "c.toml", url=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=1)
        started = time.monotonic()
        by = checks(cfg, "cloud_checks")
        took = time.monotonic() - started
    finally:
        listener.close()
    assert not by["cloud_reachable"].ok and "Timeout" in by["cloud_reachable"].detail
    assert took < 3.0, took


def test_registered_terminal_passes_and_an_unknown_or_wrong_secret_is_refused(tmp_path, sim):
    term = sim.terminal()
    provision(terminal_secret=term.secret)
    good = checks(write_config(tmp_path / "a.toml", url=sim.url, terminal_id=term.terminal_id), "cloud_checks")
    assert good["cloud_reachable"].ok and good["cloud_credentials"].ok and good["clock_skew"].ok, good
    unknown = checks(write_config(tmp_path / "b.toml", url=sim.url, terminal_id="t-nobody"), "cloud_checks")
    assert unknown["cloud_reachable"].ok and not unknown["cloud_credentials"].ok
    assert "unknown_terminal" in unknown["cloud_credentials"].detail
    set_secret(Secret.TERMINAL_SECRET, os.urandom(32))
    wrong = checks(write_config(tmp_path / "c.toml", url=sim.url, terminal_id=term.terminal_id), "cloud_checks")
    assert not wrong["cloud_credentials"].ok and "bad_terminal_signature" in wrong["cloud_credentials"].detail


def test_missing_terminal_secret_still_checks_reachability_and_clock(tmp_path, sim):
    term = sim.terminal()
    by = checks(write_config(tmp_path / "c.toml", url=sim.url, terminal_id=term.terminal_id), "cloud_checks")
    assert by["cloud_reachable"].ok and by["clock_skew"].ok
    assert not by["cloud_credentials"].ok and "not in the keyring" in by["cloud_credentials"].detail


class _Skewed(BaseHTTPRequestHandler):
    offset = timedelta(0)

    def do_POST(self):  # noqa: N802
        body = json.dumps({"error": {"code": "stale_request", "message": "too old"}}).encode()
        self.send_response(401)
        self.send_header("Date", email.utils.format_datetime(datetime.now(UTC) + self.offset, usegmt=True))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def date_time_string(self, timestamp=None):  # the server's own Date header: the skewed one wins
        return email.utils.format_datetime(datetime.now(UTC) + self.offset, usegmt=True)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("offset_s, ok", [(600, False), (-900, False), (0, True)])
def test_clock_skew_is_read_from_the_servers_date_even_on_a_refusal(tmp_path, offset_s, ok):
    handler = type("H", (_Skewed,), {"offset": timedelta(seconds=offset_s)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        provision()
        by = checks(write_config(tmp_path / "c.toml", url=f"http://127.0.0.1:{server.server_port}"), "cloud_checks")
    finally:
        server.shutdown()
        server.server_close()
    assert by["cloud_reachable"].ok
    assert by["clock_skew"].ok is ok, by["clock_skew"]
    if not ok:
        assert f"{offset_s:+d}"[:3] in by["clock_skew"].detail  # e.g. "+60" of "+600 s"
    assert not by["cloud_credentials"].ok and "stale_request" in by["cloud_credentials"].detail
    assert "timedatectl" in by["cloud_credentials"].hint  # a stale request points at the clock


def test_secrets_missing_malformed_and_the_optional_k3(tmp_path):
    cfg = write_config(tmp_path / "c.toml")
    provision()
    by = checks(cfg, "keyring_checks")
    assert by["keyring"].ok and "MemoryKeyring" in by["keyring"].detail
    assert by["secrets"].ok  # K3 (read master) is optional
    provision(skip=(Secret.BREKA_LOAD_MASTER,))
    keyring.delete_password("kiosk", Secret.BREKA_LOAD_MASTER.value)
    by = checks(cfg, "keyring_checks")
    assert not by["secrets"].ok and "breka-k1-master" in by["secrets"].detail
    assert "kiosk secrets" in by["secrets"].hint
    set_secret(Secret.BREKA_LOAD_MASTER, os.urandom(16))
    set_secret(Secret.DEVICE_KEY, os.urandom(8))
    by = checks(cfg, "keyring_checks")
    assert not by["secrets"].ok and "malformed: device-key-ed25519" in by["secrets"].detail


def test_no_usable_keyring_backend(tmp_path):
    keyring.set_keyring(FailKeyring())  # the conftest fixture restores the previous one
    by = checks(write_config(tmp_path / "c.toml"), "keyring_checks")
    assert not by["keyring"].ok and "fail.Keyring" in by["keyring"].detail
    assert not by["secrets"].ok and "not checked" in by["secrets"].detail


def test_a_missing_database_passes_and_is_not_created(tmp_path):
    cfg = write_config(tmp_path / "c.toml")
    by = checks(cfg, "store_checks")
    assert by["database"].ok and by["journal"].ok and by["outbox"].ok
    assert not (tmp_path / "kiosk.sqlite3").exists()


def test_staff_pins_fail_until_both_are_set_at_installation(tmp_path):
    cfg = write_config(tmp_path / "c.toml")
    by = checks(cfg, "store_checks")
    assert not by["staff_pins"].ok and "kiosk staff-pin set technician" in by["staff_pins"].hint
    with Store(tmp_path / "kiosk.sqlite3") as store:
        StaffAuth(store).set_pin("clerk", "246813", by="test")
    by = checks(cfg, "store_checks")
    assert not by["staff_pins"].ok and by["staff_pins"].detail.endswith("technician")
    set_staff_pins(tmp_path / "kiosk.sqlite3")
    by = checks(cfg, "store_checks")
    assert by["staff_pins"].ok and "97531864" not in by["staff_pins"].detail + by["staff_pins"].hint


def test_a_file_that_is_not_a_database_fails(tmp_path):
    (tmp_path / "kiosk.sqlite3").write_bytes(b"this is not sqlite" * 500)
    by = checks(write_config(tmp_path / "c.toml"), "store_checks")
    assert not by["database"].ok and "cannot open" in by["database"].detail
    assert not by["journal"].ok and not by["outbox"].ok


def test_a_corrupt_page_fails_the_integrity_check(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    with Store(path) as store, store.transaction() as tx:
        for _ in range(400):
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) "
                "VALUES (?, 'committed', 'x', 'x', ?)",
                (str(uuid.uuid4()), "e" * 200),
            )
    Store(path).close()  # checkpoint the WAL into the main file
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    leaf = next(n for n in range(2, len(data) // page) if data[n * page] == 0x0D)  # a table leaf page
    data[leaf * page + 1 : leaf * page + 8] = b"\xff" * 7  # its header: freeblock, cell count, content offset
    path.write_bytes(bytes(data))
    by = checks(write_config(tmp_path / "c.toml"), "store_checks")
    assert not by["database"].ok, by["database"]


def test_open_exchanges_and_an_old_unsent_record_fail(tmp_path, capsys):
    path = tmp_path / "kiosk.sqlite3"
    cfg = write_config(tmp_path / "c.toml", store=path)
    with Store(path) as store:
        hour_ago = lambda: datetime.now(UTC) - timedelta(hours=1)  # noqa: E731
        Journal(store, hour_ago).create("x-open-1", "ev", then=Step.HOLD_REQUESTED)
        box = Outbox(store, "T-DOC-1")
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO exchanges(exchange_id, state, created_at, updated_at, event_id) "
                "VALUES ('x-done', 'committed', 'x', 'x', 'ev')"
            )
            box.append(
                tx,
                device_key=os.urandom(32),
                exchange_id="x-done",
                mykey_id="MK1",
                event_id="ev",
                points_used=500,
                fee=45,
                loaded=455,
                card_ref="r",
                load_id="x-done",
            )
        two_days = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="milliseconds")
        store.conn.execute("UPDATE outbox SET created_at = ?", (two_days,))
    by = checks(cfg, "store_checks")
    assert by["database"].ok and "schema version" in by["database"].detail
    assert not by["journal"].ok and "x-open-1" in by["journal"].detail and "1 open" in by["journal"].detail
    assert not by["outbox"].ok and "1 unsent" in by["outbox"].detail and "outbox flush" in by["outbox"].hint


def test_japanese_font_check_follows_fontconfig(tmp_path, monkeypatch):
    cfg = write_config(tmp_path / "c.toml")
    by = checks(cfg, "font_check")
    assert by["font_ja"].ok, by["font_ja"]  # the dev/CI machine has fonts-ipafont-gothic
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "empty-fonts.conf"))
    (tmp_path / "empty-fonts.conf").write_text(
        f"<?xml version='1.0'?><fontconfig><cachedir>{tmp_path}/fc</cachedir></fontconfig>"
    )
    by = checks(cfg, "font_check")
    assert not by["font_ja"].ok and "fonts-ipafont-gothic" in by["font_ja"].hint


def test_doctor_against_a_demo_folder_with_its_keyring_file(tmp_path, cloud_sim, cloud_ca):
    """The technician's way to check a demo/training PC: KIOSK_DEMO_KEYRING + the folder's config."""
    import subprocess
    import sys

    from kiosk_demo.demo_env import DemoEnv
    from kiosk_demo.demo_keyring import use_demo_keyring

    env = DemoEnv(tmp_path / "demo", ca_dir=cloud_ca.directory)
    use_demo_keyring(env.keyring_path)  # the conftest fixture puts the test keyring back afterwards
    env.provision(cloud_sim.url, terminal_id=f"demo-{uuid.uuid4().hex[:8]}")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(env.config_path), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KIOSK_DEMO_KEYRING": str(env.keyring_path)},
    )
    assert proc.returncode in (0, 1), proc.stderr
    by = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    for name in ("cloud_reachable", "cloud_credentials", "clock_skew", "keyring", "secrets", "database"):
        assert by[name]["ok"], by[name]
    assert "DemoFileKeyring" in by["keyring"]["detail"]
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(env.config_path), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # without the demo keyring: no secrets
    by = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert proc.returncode == 1 and not (by["secrets"]["ok"] and by["cloud_credentials"]["ok"])


def test_a_hung_check_is_reported_as_timed_out_and_the_others_still_run(tmp_path, monkeypatch):
    import sys
    import types

    hung = types.ModuleType("kiosk_test_hung_check")
    hung.NAMES = ("pcsc_service", "readers")
    hung.budget_s = lambda env: 0.3
    hung.run = lambda env: time.sleep(30)  # as a pcscd that never answers
    monkeypatch.setitem(sys.modules, "kiosk_test_hung_check", hung)
    env = Environment(load(write_config(tmp_path / "c.toml")))
    started = time.monotonic()
    results = run_all(env, ("kiosk_test_hung_check", "kiosk.diagnostics.font_check"))
    assert time.monotonic() - started < 5
    assert [(r.name, r.ok) for r in results[:2]] == [("pcsc_service", False), ("readers", False)]
    assert "timed out" in results[0].detail and results[2].name == "font_ja"


def test_a_check_that_raises_is_reported_not_fatal(tmp_path, monkeypatch):
    import sys
    import types

    broken = types.ModuleType("kiosk_test_broken_check")
    broken.NAMES = ("database",)

    def run(env):
        raise RuntimeError("boom")

    broken.run = run
    monkeypatch.setitem(sys.modules, "kiosk_test_broken_check", broken)
    results = run_all(Environment(load(write_config(tmp_path / "c.toml"))), ("kiosk_test_broken_check",))
    assert results[0].name == "database" and not results[0].ok and "boom" in results[0].detail


def test_doctor_never_imports_the_simulators(tmp_path):
    import subprocess
    import sys

    cfg = write_config(tmp_path / "c.toml", url=f"http://127.0.0.1:{free_port()}")
    code = (
        "import sys, contextlib, io\nfrom kiosk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['--config', {str(cfg)!r}, 'doctor', '--json'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('kiosk_demo')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
