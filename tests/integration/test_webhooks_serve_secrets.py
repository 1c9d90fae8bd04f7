"""`webhooks serve` under a service manager (issue 14 item 8): stdout ends up in the system journal,
so tokens are printed only on request, or written to a file only its owner can read."""
import contextlib
import json
import os
import queue
import threading
import stat
import subprocess

from tests.helpers.relay_process import RelayProcess
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN
from tests.paths import ROOT

TOKENS = (TICKETOR_TOKEN, TICKETSOLVE_TOKEN, RELAY_TOKEN)


def serve_output(tmp_path, *args: str, json_out: bool = False) -> tuple[str, RelayProcess]:
    """Start `serve` without --show-secrets, return its printed output and the process (stop it)."""
    relay = RelayProcess(tmp_path / "relay")
    relay.args = [a for a in relay.args if a not in ("--show-secrets", "--json")] + [*args] + (["--json"] if json_out else [])
    relay.proc = subprocess.Popen(relay.args, cwd=ROOT, env=relay.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
    if json_out:
        return relay.proc.stdout.readline(), relay
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(relay.proc.stdout.readline, "")], daemon=True).start()
    text = ""
    while "relay " not in text:  # every route is printed before the relay's line, then the notes
        text += lines.get(timeout=30)
    with contextlib.suppress(queue.Empty):
        while True:
            text += lines.get(timeout=1)
    return text, relay


def test_attack_the_journal_never_sees_a_token_by_default(tmp_path):
    text, relay = serve_output(tmp_path)
    relay.proc.terminate()
    assert relay.proc.wait(15) == 0
    stderr = relay.proc.stderr.read()
    assert not any(token in text + stderr for token in TOKENS)
    assert "--show-secrets" in text and "CHECKIN_TICKETOR_TOKEN" in text and "CHECKIN_RELAY_TOKEN" in text
    assert "/hooks/ticketor/<path token: environment variable CHECKIN_TICKETOR_TOKEN>" in text


def test_attack_json_output_names_where_tokens_live_but_not_them(tmp_path):
    line, relay = serve_output(tmp_path, json_out=True)
    try:
        doc = json.loads(line)
        assert not any(token in line for token in TOKENS)
        assert doc["secrets_shown"] is False and doc["relay_token"] is None
        assert doc["secrets_from"]["relay"] == "environment variable CHECKIN_RELAY_TOKEN"
    finally:
        relay.stop()


def test_the_secrets_file_is_owner_only_and_holds_the_full_urls(tmp_path):
    target = tmp_path / "secrets.json"
    target.write_text("old")
    os.chmod(target, 0o644)  # an existing, world-readable file is tightened, not trusted
    text, relay = serve_output(tmp_path, "--secrets-file", str(target))
    try:
        assert not any(token in text for token in TOKENS) and str(target) in text
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        doc = json.loads(target.read_text())
        assert doc["relay_token"] == RELAY_TOKEN and doc["routes"]["ticketor"].endswith(TICKETOR_TOKEN)
    finally:
        relay.stop()


def test_a_secrets_file_through_a_symlink_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(elsewhere)
    relay = RelayProcess(tmp_path / "relay")
    relay.args += ["--secrets-file", str(link)]
    proc = subprocess.run(relay.args, cwd=ROOT, env=relay.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "secrets file" in proc.stderr
    assert elsewhere.read_text() == "keep me"


def test_show_secrets_prints_them_for_a_terminal(tmp_path):
    with RelayProcess(tmp_path / "relay") as relay:
        assert relay.info["relay_token"] == RELAY_TOKEN and relay.info["routes"]["ticketor"].endswith(TICKETOR_TOKEN)
