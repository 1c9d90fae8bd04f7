"""`checkin-app webhooks serve` as a user runs it: URLs first, clean stop on SIGTERM, and one clear
line (exit 2) for every configuration mistake; server tokens from variables or the OS keyring."""
import os
import socket
import subprocess
import sys

import pytest

from checkin_app.errors import ConfigError
from checkin_app.webhooks import settings
from tests.helpers import keyrings
from tests.helpers.keyrings import MemoryKeyring  # noqa: F401 (tests/gui/test_doors_panel.py imports it from here)
from tests.helpers.relay_process import RelayProcess
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN
from tests.paths import ROOT

TOKENS = {"CHECKIN_TICKETOR_TOKEN": TICKETOR_TOKEN, "CHECKIN_TICKETSOLVE_TOKEN": TICKETSOLVE_TOKEN,
          "CHECKIN_RELAY_TOKEN": RELAY_TOKEN}


def serve(data_dir, *args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_")}
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), "webhooks", "serve",
                           "--port", "0", *args], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env={**clean, **env})


def test_serve_prints_every_route_with_its_token_and_stops_on_sigterm(tmp_path):
    relay = RelayProcess(tmp_path, tt_secret="whsec_" + "x" * 30)
    info = relay.start()
    assert set(info["routes"]) == {"tickettailor", "ticketor", "ticketsolve", "relay"}
    assert info["routes"]["ticketor"].endswith(f"/hooks/ticketor/{TICKETOR_TOKEN}")
    assert info["routes"]["ticketsolve"].endswith(f"/hooks/ticketsolve/{TICKETSOLVE_TOKEN}")
    assert info["relay_token"] == RELAY_TOKEN and info["base_url"].startswith("http://127.0.0.1:")
    assert relay.stop() == 0


def test_without_a_tickettailor_secret_the_route_is_off_and_said_so(tmp_path):
    relay = RelayProcess(tmp_path)
    relay.args.remove("--json")
    relay.proc = subprocess.Popen(relay.args, cwd=ROOT, env=relay.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
    lines = [relay.proc.stdout.readline() for _ in range(5)]
    assert "Ticket Tailor route off" in "".join(lines) and TICKETOR_TOKEN in "".join(lines)
    assert relay.stop() == 0


@pytest.mark.parametrize("env, args, message", [
    ({}, [], "CHECKIN_TICKETOR_TOKEN"),  # no variable and no keyring
    ({**TOKENS, "CHECKIN_TICKETSOLVE_TOKEN": "short"}, [], "too short"),
    (TOKENS, ["--tickettailor-secret-env", "UNSET_TT_SECRET"], "UNSET_TT_SECRET is not set"),
    ({**TOKENS, "MY_RELAY": "m" * 30}, ["--relay-token-env", "MY_RELAY_TYPO"], "MY_RELAY_TYPO"),
])
def test_configuration_mistakes_get_one_line_and_exit_2(tmp_path, env, args, message):
    proc = serve(tmp_path, *args, env=env)
    assert proc.returncode == 2 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_")}
        proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(tmp_path), "webhooks", "serve",
                               "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=30,
                              env={**clean, **TOKENS})
    assert proc.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr


@pytest.fixture
def memory_keyring(monkeypatch):
    for var in settings.DEFAULT_ENV.values():
        monkeypatch.delenv(var, raising=False)
    with keyrings.memory_keyring() as backend:
        yield backend


def test_tokens_are_created_once_in_the_keyring_and_kept(memory_keyring):
    first = settings.load_config()
    again = settings.load_config()
    assert first.path_tokens == again.path_tokens and first.relay_token == again.relay_token
    assert all(len(t) >= 32 for t in [*first.path_tokens.values(), first.relay_token])
    assert len({*first.path_tokens.values(), first.relay_token}) == 3
    assert first.tickettailor_secret is None  # Ticket Tailor's secret is never made up


def test_a_variable_wins_over_the_keyring(memory_keyring, monkeypatch):
    monkeypatch.setenv("CHECKIN_TICKETOR_TOKEN", TICKETOR_TOKEN)
    assert settings.load_config().path_tokens["ticketor"] == TICKETOR_TOKEN
    monkeypatch.setenv("CHECKIN_TICKETOR_TOKEN", "x" * 10)
    with pytest.raises(ConfigError, match="too short"):
        settings.load_config()


def test_the_embedded_toggle_receives_and_stops(tmp_path, monkeypatch):
    import httpx

    from checkin_app.services.receiver import ReceiverToggle
    from checkin_app.store import Store
    from tests.paths import REFERENCE

    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    toggle = ReceiverToggle(tmp_path, port=0)
    routes = toggle.turn_on()
    assert toggle.on and "relay" not in routes and set(routes) == {"ticketor", "ticketsolve"}
    body = (REFERENCE / "ticketsolve-order-created.json").read_bytes()
    assert httpx.post(routes["ticketsolve"], content=body, headers={"Content-Type": "application/json"}).status_code == 201
    toggle.turn_off()
    assert not toggle.on
    with pytest.raises(httpx.ConnectError):
        httpx.post(routes["ticketsolve"], content=body, headers={"Content-Type": "application/json"})
    with Store(tmp_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3


def test_a_delivery_acknowledged_survives_the_relay_being_killed_at_once(tmp_path):
    import httpx

    from tests.helpers.webhooks import inbox_rows

    relay = RelayProcess(tmp_path)
    info = relay.start()
    sale = {"Id": 1, "InvoiceId": 1, "Status": "sold", "Barcode": "123456789", "Event": {"EventId": 1, "EventName": "K"}}
    assert httpx.post(info["routes"]["ticketor"], json=sale).status_code == 201
    relay.proc.kill()  # SIGKILL right after the 201: no clean shutdown, no chance to flush anything
    relay.proc.wait(10)
    relay.proc.stdout.close()
    relay.proc.stderr.close()
    rows = inbox_rows(tmp_path)
    assert len(rows) == 1 and rows[0]["applied_at"] is not None
