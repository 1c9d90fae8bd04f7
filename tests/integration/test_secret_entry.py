"""A token copied from a Windows file (trailing CR) through the real CLI against a real relay on
loopback (issue 14 item 6): it used to break the request and be printed in full on stderr."""
import os
import subprocess
import sys

from checkin_app.webhooks.receiver import Receiver, ReceiverConfig
from tests.helpers.webhooks import RELAY_TOKEN
from tests.paths import ROOT


def cli(data_dir, *args, env):
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)


def everything_written(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_attack_a_token_with_a_stray_cr_is_stripped_works_and_never_leaks(tmp_path):
    env = {**os.environ, "RT": RELAY_TOKEN + "\r\n"}
    laptop = tmp_path / "laptop"
    with Receiver(tmp_path / "relay", ReceiverConfig(relay_token=RELAY_TOKEN)) as relay:
        runs = [cli(laptop, "connect", "relay", "venue", "--base-url", relay.base_url, "--token-env", "RT", env=env),
                cli(laptop, "sync", env=env), cli(laptop, "status", "--json", env=env)]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    printed = "".join(r.stdout + r.stderr for r in runs)
    assert RELAY_TOKEN not in printed and RELAY_TOKEN.encode() not in everything_written(laptop)


def test_attack_a_token_with_a_cr_inside_is_refused_with_a_clear_message(tmp_path):
    env = {**os.environ, "RT": RELAY_TOKEN[:20] + "\r" + RELAY_TOKEN[20:]}
    with Receiver(tmp_path / "relay", ReceiverConfig(relay_token=RELAY_TOKEN)) as relay:
        run = cli(tmp_path / "laptop", "connect", "relay", "venue", "--base-url", relay.base_url, "--token-env", "RT",
                  env=env)
    assert run.returncode == 2
    assert "environment variable RT has a control character (U+000D) at position 21" in run.stderr
    assert RELAY_TOKEN[:20] not in run.stderr and RELAY_TOKEN[21:] not in run.stderr
    assert "Traceback" not in run.stderr
