"""Issue 12, items 13 and 16: one record that cannot be mapped poisons nothing, and what the door
could not apply is counted, with its latest reasons, in `status` (text and `--json`)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from checkin_app.webhooks.receiver import Receiver, ReceiverConfig
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + "p" * 30


def cli(data_dir, *args, check=None):
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=90, env=dict(os.environ))
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def issued(n: int, **changes) -> dict:
    return {"object": "issued_ticket", "id": f"it_{n}", "barcode": f"CODE{n}", "event_id": "ev_1", "status": "valid",
            "checked_in": "false", "voided_at": None, **changes}


def test_a_bad_record_is_set_aside_the_rest_applies_and_status_counts_it(tmp_path):
    door = tmp_path / "door"
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [issued(1), issued(2, barcode=None), issued(3)]}))  # it_2 has no barcode
    cli(door, "import", str(page), check=0)
    assert json.loads(cli(door, "scan", "CODE1", "--json").stdout)["verdict"] == "admitted"
    assert json.loads(cli(door, "scan", "CODE3", "--json").stdout)["verdict"] == "admitted"

    nd = tmp_path / "deliveries.ndjson"
    nd.write_text(json.dumps(issued(4)) + "\n" + json.dumps({"hello": "world"}) + "\n")
    cli(door, "import", str(nd), check=0)
    assert json.loads(cli(door, "scan", "CODE4", "--json").stdout)["verdict"] == "admitted"

    body = json.dumps({"id": "wh_9", "event": "WIDGET.CREATED", "payload": {"id": "w_1"}}).encode()
    import time
    with Receiver(door, ReceiverConfig(tickettailor_secret=SECRET)) as receiver, \
            httpx.Client(base_url=receiver.base_url) as http:
        http.post("/hooks/tickettailor", content=body, headers={
            "Content-Type": "application/json", TT_HEADER: tickettailor_signature(SECRET, int(time.time()), body)})

    doc = json.loads(cli(door, "status", "--json", check=0).stdout)
    assert doc["set_aside_records"]["count"] == 2
    reasons = " | ".join(r["reason"] for r in doc["set_aside_records"]["latest"])
    assert "no 'barcode'" in reasons and "unknown payload shape" in reasons
    assert doc["unapplied_deliveries"]["count"] == 1
    assert "WIDGET.CREATED" in doc["unapplied_deliveries"]["latest"][0]["reason"]
    text = cli(door, "status", check=0).stdout
    assert "1 webhook deliveries stored but not applied" in text and "2 provider records set aside" in text



def test_unvoid_on_the_command_line_needs_a_reason_and_admits_again(tmp_path):
    """Issue 12, item 14: `checkin-app unvoid CODE --reason ...` takes back a supervisor's void."""
    door = tmp_path / "door"
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [issued(1), issued(2, status="voided")]}))
    cli(door, "import", str(page), check=0)
    cli(door, "void", "CODE1", "--reason", "lost wristband", check=0)
    assert json.loads(cli(door, "scan", "CODE1", "--json").stdout)["message"].startswith(
        "Void: voided by supervisor: lost wristband at ")
    assert cli(door, "unvoid", "CODE1", check=2).returncode == 2  # --reason is required
    done = json.loads(cli(door, "unvoid", "CODE1", "--reason", "found it", "--json", check=0).stdout)
    assert done["message"] == "Un-voided CODE1: found it"
    assert json.loads(cli(door, "scan", "CODE1", "--json").stdout)["verdict"] == "admitted"
    refused = cli(door, "unvoid", "CODE2", "--reason", "customer insists")  # the provider's own void
    assert refused.returncode == 2 and "not voided by a supervisor" in refused.stderr
